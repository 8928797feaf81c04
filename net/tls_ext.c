/*
 * ClientHello extension bodies the TLS proxy reads before it answers:
 * server_name (the name to issue a leaf for) and ALPN (offered upstream as
 * is). They come from the traced program: every length is checked against
 * the bytes present, and the name must be a plain host name because it goes
 * into a certificate.
 */
#include "compat.h"

#include <ctype.h>

#include "tls_proxy.h"

#define SNI_HOST_NAME 0

static size_t get_u16(const uint8_t *p)
{
	return ((size_t)p[0] << 8) | p[1];
}

bool net_tls_hostname_ok(const char *name, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253 || name[0] == '.' || name[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(ch) || ch == '-' || ch == '_') || (label == 0 && ch == '-'))
			return false;
		if (++label > 63)
			return false;
	}
	return name[n - 1] != '-';
}

int net_tls_ext_server_name(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t off = 2, end;

	if (!p || n < 2 || !out || cap == 0)
		return -EINVAL;
	end = 2 + get_u16(p);
	if (end != n)
		return -EINVAL;
	while (off + 3 <= end) {
		size_t type = p[off], len = get_u16(p + off + 1);

		off += 3;
		if (len > end - off)
			return -EINVAL;
		if (type == SNI_HOST_NAME) {
			if (!net_tls_hostname_ok((const char *)p + off, len))
				return -EINVAL;
			if (len >= cap)
				return -ENOSPC;
			for (size_t i = 0; i < len; i++)
				out[i] = (char)tolower(p[off + i]);
			out[len] = 0;
			return 0;
		}
		off += len;
	}
	return off == end ? -ENOENT : -EINVAL;
}

int net_tls_ext_alpn(const uint8_t *p, size_t n, const uint8_t **list, size_t *listlen)
{
	size_t total, off = 2;

	if (!p || n < 2 || !list || !listlen)
		return -EINVAL;
	total = get_u16(p);
	if (total + 2 != n || total == 0)
		return -EINVAL;
	while (off < n) {
		size_t len = p[off];

		if (len == 0 || len > n - off - 1)
			return -EINVAL;
		off += 1 + len;
	}
	*list = p + 2;
	*listlen = total;
	return 0;
}

const uint8_t *net_tls_alpn_find(const uint8_t *list, size_t listlen, const uint8_t *proto,
				 size_t len)
{
	size_t off = 0;

	while (list && proto && off < listlen) {
		size_t l = list[off];

		if (l == 0 || l > listlen - off - 1)
			return NULL;
		if (l == len && memcmp(list + off + 1, proto, len) == 0)
			return list + off + 1;
		off += 1 + l;
	}
	return NULL;
}
