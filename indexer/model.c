/* model.c - the per-file extraction model: appenders, kind names and the text dump. */
#include "indexer/model.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[RA_SYM__COUNT] = {
        [RA_SYM_MODULE] = "module",
        [RA_SYM_INTERFACE] = "interface",
        [RA_SYM_PROGRAM] = "program",
        [RA_SYM_PACKAGE] = "package",
        [RA_SYM_CLASS] = "class",
        [RA_SYM_CHECKER] = "checker",
        [RA_SYM_PRIMITIVE] = "primitive",
        [RA_SYM_CONFIG] = "config",
        [RA_SYM_ENTITY] = "entity",
        [RA_SYM_ARCHITECTURE] = "architecture",
        [RA_SYM_PACKAGE_BODY] = "package_body",
        [RA_SYM_CONFIGURATION] = "configuration",
        [RA_SYM_CONTEXT] = "context",
        [RA_SYM_PORT] = "port",
        [RA_SYM_PARAM] = "parameter",
        [RA_SYM_LOCALPARAM] = "localparam",
        [RA_SYM_NET] = "net",
        [RA_SYM_VAR] = "variable",
        [RA_SYM_TYPEDEF] = "typedef",
        [RA_SYM_ENUM_MEMBER] = "enum_member",
        [RA_SYM_STRUCT_MEMBER] = "struct_member",
        [RA_SYM_FUNCTION] = "function",
        [RA_SYM_TASK] = "task",
        [RA_SYM_INSTANCE] = "instance",
        [RA_SYM_GENERATE] = "generate",
        [RA_SYM_MODPORT] = "modport",
        [RA_SYM_MACRO] = "macro",
        [RA_SYM_COMPONENT] = "component",
        [RA_SYM_PROCESS] = "process",
        [RA_SYM_ALIAS] = "alias",
        [RA_SYM_ATTRIBUTE] = "attribute",
        [RA_SYM_FILE_OBJ] = "file_object",
        [RA_SYM_CLOCKING] = "clocking",
        [RA_SYM_BLOCK] = "block",
};

const char *ra_model_kind_name(ra_sym_kind kind)
{
	return (unsigned)kind < RA_SYM__COUNT ? kind_names[kind] : "?";
}

int ra_model_kind_from_name(const char *name)
{
	for (int k = 0; k < RA_SYM__COUNT; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

bool ra_model_kind_is_unit(ra_sym_kind kind)
{
	return kind <= RA_SYM_CONTEXT;
}

const char *ra_model_lang_name(ra_lang lang)
{
	switch (lang) {
	case RA_LANG_VERILOG:
		return "verilog";
	case RA_LANG_SV:
		return "systemverilog";
	case RA_LANG_VHDL:
		return "vhdl";
	}
	return "?";
}

ra_model *ra_model_new(ra_lang lang)
{
	ra_model *m = ra_calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->lang = lang;
	m->arena = ra_arena_new(32 * 1024);
	if (!m->arena) {
		ra_free(m);
		return NULL;
	}
	return m;
}

void ra_model_free(ra_model *m)
{
	if (!m)
		return;
	ra_arena_free(m->arena);
	ra_free(m->syms);
	ra_free(m->conns);
	ra_free(m->refs);
	ra_free(m->includes);
	ra_free(m->imports);
	ra_free(m->diags);
	ra_free(m->flows);
	ra_free(m->chunks);
	ra_free(m);
}

const char *ra_model_str(ra_model *m, const char *s, size_t n)
{
	return ra_arena_strndup(m->arena, s, n);
}

/* copies an optional string into the arena; false only on OOM */
static bool dup_opt(ra_model *m, const char **s)
{
	if (!*s)
		return true;
	*s = ra_arena_strdup(m->arena, *s);
	return *s != NULL;
}

/* appends one element to a model array; evaluates to the new index or RA_ENOMEM */
#define APPEND(m, arr, n, cap, elem)                                                               \
	(ra_grow((void **)&(m)->arr, &(m)->cap, (m)->n + 1, sizeof(*(m)->arr))                     \
	         ? RA_ENOMEM                                                                       \
	         : ((m)->arr[(m)->n] = (elem), (int32_t)(m)->n++))

int32_t ra_model_add_sym(ra_model *m, const ra_sym *sym)
{
	ra_sym s = *sym;

	if (!s.name)
		s.name = "";
	if (!dup_opt(m, &s.name) || !dup_opt(m, &s.type) || !dup_opt(m, &s.dir) ||
	    !dup_opt(m, &s.dims) || !dup_opt(m, &s.value))
		return RA_ENOMEM;
	return APPEND(m, syms, nsyms, syms_cap, s);
}

int32_t ra_model_add_conn(ra_model *m, const ra_conn *conn)
{
	ra_conn c = *conn;

	if (!dup_opt(m, &c.formal) || !dup_opt(m, &c.actual))
		return RA_ENOMEM;
	return APPEND(m, conns, nconns, conns_cap, c);
}

int32_t ra_model_add_ref(ra_model *m, const ra_ref *ref)
{
	ra_ref r = *ref;

	if (!dup_opt(m, &r.name))
		return RA_ENOMEM;
	return APPEND(m, refs, nrefs, refs_cap, r);
}

int32_t ra_model_add_include(ra_model *m, const ra_include *inc)
{
	ra_include i = *inc;

	if (!dup_opt(m, &i.path))
		return RA_ENOMEM;
	return APPEND(m, includes, nincludes, includes_cap, i);
}

int32_t ra_model_add_import(ra_model *m, const ra_import *imp)
{
	ra_import i = *imp;

	if (!dup_opt(m, &i.library) || !dup_opt(m, &i.pkg) || !dup_opt(m, &i.item))
		return RA_ENOMEM;
	return APPEND(m, imports, nimports, imports_cap, i);
}

int32_t ra_model_add_flow(ra_model *m, const ra_flow *flow)
{
	ra_flow f = *flow;

	if (!dup_opt(m, &f.target) || !dup_opt(m, &f.source))
		return RA_ENOMEM;
	return APPEND(m, flows, nflows, flows_cap, f);
}

int32_t ra_model_add_chunk(ra_model *m, const ra_chunk *chunk)
{
	ra_chunk c = *chunk;

	if (!dup_opt(m, &c.kind) || !dup_opt(m, &c.text))
		return RA_ENOMEM;
	return APPEND(m, chunks, nchunks, chunks_cap, c);
}

int32_t ra_model_add_diag(ra_model *m, ra_span span, const char *fmt, ...)
{
	ra_diag d = {.span = span};
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d.message = ra_arena_strdup(m->arena, msg);
	if (!d.message)
		return RA_ENOMEM;
	return APPEND(m, diags, ndiags, diags_cap, d);
}

/* prints ` key=value` with the value's whitespace runs folded to one space */
static int put_field(ra_buf *out, const char *key, const char *val)
{
	int rc, space = 0;

	if (!val)
		return RA_OK;
	rc = ra_buf_printf(out, " %s=", key);
	for (const char *p = val; !rc && *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = 1;
			continue;
		}
		if (space && out->data[out->len - 1] != '=')
			rc = ra_buf_putc(out, ' ');
		space = 0;
		if (!rc)
			rc = ra_buf_putc(out, *p);
	}
	return rc;
}

int ra_model_dump(ra_buf *out, const ra_model *m)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < m->nsyms; i++) {
		const ra_sym *s = &m->syms[i];

		rc = ra_buf_printf(out, "sym %zu %s '%s' parent=%d at=%u:%u", i,
		                   ra_model_kind_name(s->kind), s->name, s->parent,
		                   s->name_span.line + 1, s->name_span.col + 1);
		rc = rc ? rc : put_field(out, "type", s->type);
		rc = rc ? rc : put_field(out, "dir", s->dir);
		rc = rc ? rc : put_field(out, "dims", s->dims);
		rc = rc ? rc : put_field(out, "value", s->value);
		rc = rc ? rc : ra_buf_putc(out, '\n');
	}
	for (size_t i = 0; !rc && i < m->nconns; i++) {
		const ra_conn *c = &m->conns[i];

		rc = ra_buf_printf(out, "conn inst=%d%s pos=%d formal=%s", c->inst,
		                   c->is_param ? " param" : "", c->position,
		                   c->formal ? c->formal : "-");
		rc = rc ? rc : put_field(out, "actual", c->actual ? c->actual : "-");
		rc = rc ? rc : ra_buf_putc(out, '\n');
	}
	for (size_t i = 0; !rc && i < m->nincludes; i++)
		rc = ra_buf_printf(out, "include '%s' at=%u:%u\n", m->includes[i].path,
		                   m->includes[i].span.line + 1, m->includes[i].span.col + 1);
	for (size_t i = 0; !rc && i < m->nimports; i++) {
		const ra_import *im = &m->imports[i];

		rc = ra_buf_printf(out, "import scope=%d lib=%s pkg=%s item=%s\n", im->scope,
		                   im->library ? im->library : "-", im->pkg ? im->pkg : "-",
		                   im->item ? im->item : "-");
	}
	for (size_t i = 0; !rc && i < m->nrefs; i++)
		rc = ra_buf_printf(out, "ref '%s' scope=%d at=%u:%u\n", m->refs[i].name,
		                   m->refs[i].scope, m->refs[i].span.line + 1,
		                   m->refs[i].span.col + 1);
	for (size_t i = 0; !rc && i < m->nflows; i++) {
		static const char *const kinds[] = {"data", "control", "clock", "reset"};
		static const char *const hows[] = {"continuous", "blocking", "nonblocking", "call"};
		const ra_flow *f = &m->flows[i];

		rc = ra_buf_printf(out, "flow scope=%d %s %s '%s' -> '%s' at=%u:%u\n", f->scope,
		                   kinds[f->kind & 3], hows[f->how & 3], f->source, f->target,
		                   f->span.line + 1, f->span.col + 1);
	}
	for (size_t i = 0; !rc && i < m->nchunks; i++)
		rc = ra_buf_printf(out, "chunk %s sym=%d lines=%u-%u bytes=%zu\n",
		                   m->chunks[i].kind, m->chunks[i].sym, m->chunks[i].span.line + 1,
		                   m->chunks[i].span.end_line + 1,
		                   m->chunks[i].text ? strlen(m->chunks[i].text) : (size_t)0);
	for (size_t i = 0; !rc && i < m->ndiags; i++)
		rc = ra_buf_printf(out, "diag at=%u:%u %s\n", m->diags[i].span.line + 1,
		                   m->diags[i].span.col + 1, m->diags[i].message);
	if (!rc)
		rc = ra_buf_printf(out, "errors %u\n", m->nerrors);
	return rc;
}
