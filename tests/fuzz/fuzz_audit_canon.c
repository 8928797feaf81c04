/* The canonical JSON parser on arbitrary bytes: no crash, and encoding is a fixed point. */
#include "compat.h"

#include <stdio.h>

#include "audit/canon.h"
#include "audit/entry.h"

static void check_fixed_point(const struct canon_value *root)
{
	struct canon_buf once = {0}, twice = {0};
	struct canon_doc *again;

	if (canon_encode(root, &once) < 0)
		return;
	/* Canonical output must parse and encode to itself, or verify would disagree with append.
	 */
	if (canon_parse(once.p, once.len, &again, NULL) != 0)
		__builtin_trap();
	if (canon_encode(canon_root(again), &twice) < 0 || twice.len != once.len ||
	    memcmp(once.p, twice.p, once.len) != 0)
		__builtin_trap();
	canon_doc_free(again);
	canon_buf_release(&once);
	canon_buf_release(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct canon_doc *doc;
	struct audit_entry e;
	struct canon_error err;

	if (canon_parse((const char *)data, size, &doc, &err) == 0) {
		check_fixed_point(canon_root(doc));
		canon_doc_free(doc);
	} else if (err.offset > size) {
		__builtin_trap();
	}
	if (entry_parse((const char *)data, size, &e, NULL) == 0)
		entry_release(&e);
	return 0;
}
