/*
 * IP -> domain table. The proxy thread writes, the tracer thread reads:
 * one mutex around every access (each access is a short bucket walk).
 */
#include "compat.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <time.h>

#include "dns_packet.h"
#include "dns_table.h"

#define TABLE_BUCKETS 1024

struct entry {
	struct entry *next;
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint64_t expires_ms;
	char domain[DNS_NAME_MAX];
};

struct dns_table {
	pthread_mutex_t lock;
	size_t count, max;
	struct entry *bucket[TABLE_BUCKETS];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* 16-byte key; IPv4 and IPv4-mapped give the same key. */
static int table_key(const uint8_t *addr, size_t addrlen, uint8_t key[16])
{
	if (addrlen == 4) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, addr, 4);
		return 0;
	}
	if (addrlen != 16)
		return -EINVAL;
	memcpy(key, addr, 16);
	return 0;
}

static unsigned table_hash(const uint8_t key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % TABLE_BUCKETS;
}

struct dns_table *dns_table_new(size_t max_entries)
{
	struct dns_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->max = max_entries ? max_entries : 1;
	return t;
}

void dns_table_free(struct dns_table *t)
{
	if (!t)
		return;
	for (size_t b = 0; b < TABLE_BUCKETS; b++) {
		for (struct entry *e = t->bucket[b], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Drop expired entries of one bucket. Lock held. */
static void bucket_expire(struct dns_table *t, struct entry **head, uint64_t now)
{
	for (struct entry **pp = head; *pp;) {
		struct entry *e = *pp;

		if (e->expires_ms > now) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		free(e);
		t->count--;
	}
}

static void table_expire_all(struct dns_table *t, uint64_t now)
{
	for (size_t b = 0; b < TABLE_BUCKETS; b++)
		bucket_expire(t, &t->bucket[b], now);
}

/* Remove the entry expiring soonest. Lock held, count > 0. */
static void table_evict_one(struct dns_table *t)
{
	struct entry **victim = NULL;

	for (size_t b = 0; b < TABLE_BUCKETS; b++)
		for (struct entry **pp = &t->bucket[b]; *pp; pp = &(*pp)->next)
			if (!victim || (*pp)->expires_ms < (*victim)->expires_ms)
				victim = pp;
	if (victim) {
		struct entry *e = *victim;

		*victim = e->next;
		free(e);
		t->count--;
	}
}

static struct entry *bucket_find(struct entry *e, const uint8_t key[16])
{
	for (; e; e = e->next)
		if (memcmp(e->addr, key, 16) == 0)
			return e;
	return NULL;
}

int dns_table_put(struct dns_table *t, const uint8_t *addr, size_t addrlen, const char *domain,
		  uint64_t ttl_ms)
{
	uint8_t key[16];
	uint64_t now = now_ms();

	if (table_key(addr, addrlen, key) < 0 || !domain || strlen(domain) >= DNS_NAME_MAX)
		return -EINVAL;
	unsigned b = table_hash(key);

	pthread_mutex_lock(&t->lock);
	bucket_expire(t, &t->bucket[b], now);
	struct entry *e = bucket_find(t->bucket[b], key);

	if (!e) {
		if (t->count >= t->max)
			table_expire_all(t, now);
		if (t->count >= t->max)
			table_evict_one(t);
		e = calloc(1, sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		memcpy(e->addr, key, 16);
		e->next = t->bucket[b];
		t->bucket[b] = e;
		t->count++;
	}
	memcpy(e->domain, domain, strlen(domain) + 1);
	e->expires_ms = now + ttl_ms;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int ip_parse(const char *ip, uint8_t key[16])
{
	uint8_t a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return table_key(a, 4, key);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return table_key(a, 16, key);
	return -EINVAL;
}

int dns_table_get(struct dns_table *t, const char *ip, char *out, size_t outlen)
{
	uint8_t key[16];
	int r = -ENOENT;

	if (!ip || ip_parse(ip, key) < 0)
		return -EINVAL;
	unsigned b = table_hash(key);

	pthread_mutex_lock(&t->lock);
	bucket_expire(t, &t->bucket[b], now_ms());
	struct entry *e = bucket_find(t->bucket[b], key);

	if (e) {
		size_t n = strlen(e->domain);

		r = n < outlen ? 0 : -ENOSPC;
		if (!r)
			memcpy(out, e->domain, n + 1);
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

size_t dns_table_count(struct dns_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	table_expire_all(t, now_ms());
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
