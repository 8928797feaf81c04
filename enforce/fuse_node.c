/* The FUSE layer's node table: (parent, name) -> node, with the kernel's lookup counts. */
#include "compat.h"
#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/fuse_int.h"

#include <fcntl.h>
#include <stdio.h>

static size_t hash_of(const struct fuse_node *parent, const char *name, size_t nb)
{
	uint64_t h = 1469598103934665603ULL ^ (uintptr_t)parent;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)(h % nb);
}

int fuse_nodes_init(struct fuse_nodes *t, const struct stat *root)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->root.dev = root->st_dev;
	t->root.ino = root->st_ino;
	t->root.nlookup = 1;
	t->root.anchor = -1;
	t->next_generation = 1;
	return 0;
}

static void node_free(struct fuse_node *n)
{
	safe_close(n->anchor);
	free(n->name);
	free(n);
}

void fuse_nodes_release(struct fuse_nodes *t)
{
	for (size_t i = 0; t->buckets && i < t->nbuckets; i++)
		for (struct fuse_node *n = t->buckets[i], *next; n; n = next) {
			next = n->hnext;
			node_free(n);
		}
	/* detached nodes the kernel still held are lost with the connection */
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
}

struct fuse_node *fuse_node_of(struct fuse_nodes *t, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? &t->root : (struct fuse_node *)(uintptr_t)ino;
}

fuse_ino_t fuse_node_ino(struct fuse_nodes *t, struct fuse_node *n)
{
	return n == &t->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

static struct fuse_node **slot_of(struct fuse_nodes *t, const struct fuse_node *parent,
				  const char *name)
{
	struct fuse_node **p = &t->buckets[hash_of(parent, name, t->nbuckets)];

	while (*p && ((*p)->parent != parent || strcmp((*p)->name, name) != 0))
		p = &(*p)->hnext;
	return p;
}

static void grow(struct fuse_nodes *t)
{
	size_t nb = t->nbuckets * 4;
	struct fuse_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct fuse_node *n = t->buckets[i], *next; n; n = next) {
			size_t h = hash_of(n->parent, n->name, nb);

			next = n->hnext;
			n->hnext = b[h];
			b[h] = n;
		}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

static void unhash(struct fuse_nodes *t, struct fuse_node *n)
{
	struct fuse_node **p = slot_of(t, n->parent, n->name);

	if (*p == n) {
		*p = n->hnext;
		t->count--;
	}
	n->hnext = NULL;
}

/* Frees n (and ancestors) once nothing refers to it any more. Under the lock. */
static void maybe_free(struct fuse_nodes *t, struct fuse_node *n)
{
	while (n && n != &t->root && !n->nlookup && !n->kids && !n->nopen) {
		struct fuse_node *parent = n->parent;

		if (parent) {
			unhash(t, n);
			parent->kids--;
		}
		node_free(n);
		n = parent;
	}
}

static void detach(struct fuse_nodes *t, struct fuse_node *n)
{
	struct fuse_node *parent = n->parent;

	if (!parent)
		return;
	unhash(t, n);
	n->parent = NULL;
	parent->kids--;
	maybe_free(t, parent);
}

int fuse_node_path(struct fuse_nodes *t, struct fuse_node *n, char *out, size_t cap)
{
	const char *names[PATH_MAX / 2];
	size_t depth = 0, len = 0;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	for (; n != &t->root; n = n->parent) {
		if (!n->parent || depth == ARRAY_SIZE(names)) {
			r = n->parent ? -ENAMETOOLONG : -ENOENT;
			break;
		}
		names[depth++] = n->name;
	}
	out[0] = 0;
	while (!r && depth--) {
		int k = snprintf(out + len, cap - len, "%s%s", len ? "/" : "", names[depth]);

		if (k < 0 || (size_t)k >= cap - len)
			r = -ENAMETOOLONG;
		else
			len += (size_t)k;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

static struct fuse_node *node_new(struct fuse_nodes *t, struct fuse_node *parent,
				  const char *name, const struct stat *st)
{
	struct fuse_node *n = calloc(1, sizeof(*n));
	struct fuse_node **slot;

	if (!n || !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	n->parent = parent;
	n->anchor = -1;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->generation = t->next_generation++;
	parent->kids++;
	if (t->count >= t->nbuckets * 2)
		grow(t);
	slot = &t->buckets[hash_of(parent, name, t->nbuckets)];
	n->hnext = *slot;
	*slot = n;
	t->count++;
	return n;
}

struct fuse_node *fuse_node_get(struct fuse_nodes *t, struct fuse_node *parent, const char *name,
				const struct stat *st)
{
	struct fuse_node *n;

	pthread_mutex_lock(&t->lock);
	n = *slot_of(t, parent, name);
	/* Another file now has this name (replaced behind the layer, e.g. by a soft delete
	 * and a new create): the old node keeps its open handles, the name gets a new node. */
	if (n && (n->dev != st->st_dev || n->ino != st->st_ino)) {
		detach(t, n);
		n = NULL;
	}
	if (!n)
		n = node_new(t, parent, name, st);
	if (n)
		n->nlookup++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

void fuse_node_forget(struct fuse_nodes *t, struct fuse_node *n, uint64_t nlookup)
{
	pthread_mutex_lock(&t->lock);
	n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
	maybe_free(t, n);
	pthread_mutex_unlock(&t->lock);
}

void fuse_node_detach(struct fuse_nodes *t, struct fuse_node *parent, const char *name)
{
	struct fuse_node *n;

	pthread_mutex_lock(&t->lock);
	n = *slot_of(t, parent, name);
	if (n) {
		detach(t, n);
		maybe_free(t, n);
	}
	pthread_mutex_unlock(&t->lock);
}

/* Re-hashes n as np/newname. Under the lock. */
static int rename_node(struct fuse_nodes *t, struct fuse_node *n, struct fuse_node *np,
		       const char *newname)
{
	char *nm = strdup(newname);
	struct fuse_node **slot;

	if (!nm)
		return -ENOMEM;
	unhash(t, n);
	free(n->name);
	n->name = nm;
	np->kids++;
	n->parent->kids--;
	n->parent = np;
	slot = &t->buckets[hash_of(np, nm, t->nbuckets)];
	n->hnext = *slot;
	*slot = n;
	t->count++;
	return 0;
}

void fuse_node_move(struct fuse_nodes *t, struct fuse_node *p, const char *name,
		    struct fuse_node *np, const char *newname, bool exchange)
{
	struct fuse_node *n, *old, *oldp;

	pthread_mutex_lock(&t->lock);
	n = *slot_of(t, p, name);
	old = *slot_of(t, np, newname);
	oldp = p; /* the parent must outlive the moves below */
	oldp->kids++;
	if (old && exchange) {
		if (n && rename_node(t, n, np, "\x01tmp") < 0)
			detach(t, n), n = NULL;
		if (rename_node(t, old, p, name) < 0)
			detach(t, old);
		if (n && rename_node(t, n, np, newname) < 0)
			detach(t, n);
	} else {
		if (old)
			detach(t, old);
		if (n && rename_node(t, n, np, newname) < 0)
			detach(t, n);
	}
	oldp->kids--;
	maybe_free(t, old);
	maybe_free(t, oldp);
	pthread_mutex_unlock(&t->lock);
}

struct fuse_node *fuse_node_orphan(struct fuse_nodes *t, const struct stat *st)
{
	struct fuse_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->anchor = -1;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->nlookup = 1;
	pthread_mutex_lock(&t->lock);
	n->generation = t->next_generation++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

void fuse_node_opened(struct fuse_nodes *t, struct fuse_node *n, int fd)
{
	pthread_mutex_lock(&t->lock);
	if (n->nopen++ == 0 && n != &t->root)
		n->anchor = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&t->lock);
}

void fuse_node_closed(struct fuse_nodes *t, struct fuse_node *n)
{
	pthread_mutex_lock(&t->lock);
	if (n->nopen && --n->nopen == 0)
		n->anchor = safe_close(n->anchor);
	maybe_free(t, n);
	pthread_mutex_unlock(&t->lock);
}

int fuse_node_anchor(struct fuse_nodes *t, struct fuse_node *n)
{
	int fd;

	pthread_mutex_lock(&t->lock);
	fd = n->anchor >= 0 ? fcntl(n->anchor, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&t->lock);
	return fd;
}
#endif /* AGENTSH_HAVE_FUSE3 */
