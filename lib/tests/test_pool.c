// SPDX-License-Identifier: LGPL-2.1-or-later
/* Buffer pool. */
#include <errno.h>
#include <pthread.h>
#include "harness.h"

static void get_put_reuses(void)
{
	struct tunx_pool *p;
	uint8_t *a, *b;

	CU_ASSERT_EQUAL_FATAL(tunx_pool_new(&p, 2048, 0), 0);
	CU_ASSERT_EQUAL(tunx_pool_buf_size(p), 2048);
	a = tunx_pool_get(p);
	CU_ASSERT_PTR_NOT_NULL(a);
	a[2047] = 1;
	tunx_pool_put(p, a);
	b = tunx_pool_get(p);
	CU_ASSERT_PTR_EQUAL(a, b);
	tunx_pool_put(p, b);
	tunx_pool_free(p);
}

static void max_bounds_outstanding(void)
{
	struct tunx_pool *p;
	uint8_t *a, *b;

	CU_ASSERT_EQUAL_FATAL(tunx_pool_new(&p, 64, 1), 0);
	a = tunx_pool_get(p);
	CU_ASSERT_PTR_NOT_NULL(a);
	b = tunx_pool_get(p);
	CU_ASSERT_PTR_NULL(b);
	tunx_pool_put(p, a);
	b = tunx_pool_get(p);
	CU_ASSERT_PTR_NOT_NULL(b);
	tunx_pool_put(p, b);
	tunx_pool_free(p);
}

static void zero_size_refused(void)
{
	struct tunx_pool *p;

	CU_ASSERT_EQUAL(tunx_pool_new(&p, 0, 0), -EINVAL);
}

static struct tunx_pool *shared;
static int misses;

static void *churn(void *arg)
{
	uint8_t *b[8];

	(void)arg;
	for (int i = 0; i < 10000; i++) {
		for (int k = 0; k < 8; k++) {
			b[k] = tunx_pool_get(shared);
			if (!b[k])
				__atomic_add_fetch(&misses, 1, __ATOMIC_RELAXED);
		}
		for (int k = 0; k < 8; k++)
			tunx_pool_put(shared, b[k]);
	}
	return NULL;
}

static void threads_share_safely(void)
{
	pthread_t t[4];
	uint8_t *b[33];
	int i;

	CU_ASSERT_EQUAL_FATAL(tunx_pool_new(&shared, 256, 32), 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(misses, 0);
	/* all 32 came back: a max-32 pool hands out 32 again, not 33 */
	for (i = 0; i < 33; i++)
		b[i] = tunx_pool_get(shared);
	CU_ASSERT_PTR_NOT_NULL(b[31]);
	CU_ASSERT_PTR_NULL(b[32]);
	for (i = 0; i < 32; i++)
		tunx_pool_put(shared, b[i]);
	tunx_pool_free(shared);
}

static CU_TestInfo tests[] = {
	{ "get_put_reuses", get_put_reuses },
	{ "max_bounds_outstanding", max_bounds_outstanding },
	{ "zero_size_refused", zero_size_refused },
	{ "threads_share_safely", threads_share_safely },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return tx_run("pool", tests, 0);
}
