/*
 * arena.c - bump allocator. Memory comes in a chain of blocks; a request larger than the block
 * size gets a block of its own. Reset frees every block but the first.
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

#define ALIGN 16

typedef struct block {
	struct block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ALIGN) unsigned char mem[];
} block;

struct ra_arena {
	block *head; /* current block; older blocks follow through next */
	size_t block_size;
	size_t total;
};

static block *block_new(size_t size)
{
	block *b = ra_malloc(sizeof(block) + size);

	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

ra_arena *ra_arena_new(size_t block_size)
{
	ra_arena *a = ra_calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	return a;
}

void ra_arena_free(ra_arena *a)
{
	if (!a)
		return;
	for (block *b = a->head, *next; b; b = next) {
		next = b->next;
		ra_free(b);
	}
	ra_free(a);
}

void ra_arena_reset(ra_arena *a)
{
	block *b = a->head, *first = NULL;

	while (b) {
		block *next = b->next;

		if (!next)
			first = b;
		else
			ra_free(b);
		b = next;
	}
	a->head = first;
	if (first)
		first->used = 0;
	a->total = 0;
}

void *ra_arena_alloc(ra_arena *a, size_t size)
{
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	block *b = a->head;
	void *p;

	if (need < size)
		return ra_error_oom(), NULL;
	if (!b || b->size - b->used < need) {
		size_t bsize = need > a->block_size ? need : a->block_size;
		block *nb = block_new(bsize);

		if (!nb)
			return NULL;
		if (need > a->block_size && b) {
			/* oversized: keep filling the current block afterwards */
			nb->next = b->next;
			b->next = nb;
			nb->used = need;
			a->total += need;
			return nb->mem;
		}
		nb->next = b;
		a->head = b = nb;
	}
	p = b->mem + b->used;
	b->used += need;
	a->total += need;
	return p;
}

void *ra_arena_calloc(ra_arena *a, size_t size)
{
	void *p = ra_arena_alloc(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

char *ra_arena_strndup(ra_arena *a, const char *s, size_t n)
{
	char *p = ra_arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ra_arena_strdup(ra_arena *a, const char *s)
{
	return ra_arena_strndup(a, s, strlen(s));
}

char *ra_arena_printf(ra_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	char *p;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	p = n < 0 ? NULL : ra_arena_alloc(a, (size_t)n + 1);
	if (p)
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t ra_arena_used(const ra_arena *a)
{
	return a->total;
}
