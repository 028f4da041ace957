/*
 * model.h - what a front end (SystemVerilog through tree-sitter, VHDL through our own parser)
 * extracts from one source file, in one language-neutral shape that the store writes and every
 * later layer reads.
 *
 * A file model is a flat set of arrays. Symbols form a tree through `parent` (an index into
 * `syms`, -1 at file level): a module's ports, parameters, nets, instances and generate scopes
 * have the module (or the generate scope) as parent. Instances own connections; references are
 * identifier uses that are not declarations.
 *
 * Positions: 0-based line, 0-based byte column (tree-sitter's convention, and the store's).
 * Front-end output is converted to 1-based lines only when printed.
 *
 * Memory: every string and array belongs to the model (strings in its arena), freed with
 * ra_model_free. A model is built and read by one thread at a time.
 */
#ifndef RA_MODEL_H
#define RA_MODEL_H

#include "base/base.h"

typedef enum { RA_LANG_VERILOG = 0, RA_LANG_SV, RA_LANG_VHDL } ra_lang;

typedef struct ra_span {
	uint32_t line, col, end_line, end_col;
} ra_span;

/* Symbol kinds. Keep ra_model_kind_name in step; the store keeps the names, not the numbers. */
typedef enum {
	/* design units (file level, or nested for classes inside packages/modules) */
	RA_SYM_MODULE,
	RA_SYM_INTERFACE,
	RA_SYM_PROGRAM,
	RA_SYM_PACKAGE,
	RA_SYM_CLASS,
	RA_SYM_CHECKER,
	RA_SYM_PRIMITIVE, /* Verilog UDP */
	RA_SYM_CONFIG,    /* SystemVerilog config */
	RA_SYM_ENTITY,    /* VHDL */
	RA_SYM_ARCHITECTURE,
	RA_SYM_PACKAGE_BODY,
	RA_SYM_CONFIGURATION,
	RA_SYM_CONTEXT,
	/* members */
	RA_SYM_PORT,
	RA_SYM_PARAM,      /* parameter / VHDL generic */
	RA_SYM_LOCALPARAM, /* localparam / VHDL constant */
	RA_SYM_NET,        /* wire, tri, ... / VHDL signal */
	RA_SYM_VAR,        /* logic, reg, int, ... / VHDL variable, shared variable */
	RA_SYM_TYPEDEF,    /* typedef / VHDL type, subtype */
	RA_SYM_ENUM_MEMBER,
	RA_SYM_STRUCT_MEMBER,
	RA_SYM_FUNCTION,
	RA_SYM_TASK, /* task / VHDL procedure */
	RA_SYM_INSTANCE,
	RA_SYM_GENERATE, /* generate scope: for / if / case / begin-end block; name = label */
	RA_SYM_MODPORT,
	RA_SYM_MACRO,     /* `define */
	RA_SYM_COMPONENT, /* VHDL component declaration */
	RA_SYM_PROCESS,   /* always / initial / VHDL process; name = label or "" */
	RA_SYM_ALIAS,
	RA_SYM_ATTRIBUTE,
	RA_SYM_FILE_OBJ, /* VHDL file object */
	RA_SYM_CLOCKING,
	RA_SYM_BLOCK, /* VHDL block statement */
	RA_SYM__COUNT
} ra_sym_kind;

/* Symbol flags. */
enum {
	RA_SYMF_ANSI = 1u << 0,    /* port declared in an ANSI header */
	RA_SYMF_IMPLICIT = 1u << 1 /* declared implicitly (e.g. unlabelled generate block) */
};

typedef struct ra_sym {
	ra_sym_kind kind;
	int32_t parent;    /* index in syms of the enclosing symbol; -1 at file level */
	const char *name;  /* as written (display spelling); "" for anonymous */
	const char *type;  /* data type text ("logic [7:0]"), unit name for instances, entity name
			       for architectures, base type for typedefs; NULL if none */
	const char *dir;   /* ports: "input" "output" "inout" "ref" / VHDL "in" "out" "inout"
			       "buffer" "linkage"; interface ports: "interface"; else NULL */
	const char *dims;  /* unpacked dimensions text ("[0:3]"); NULL if none */
	const char *value; /* default or initial value text, macro body; NULL if none */
	ra_span name_span; /* the name token */
	ra_span span;      /* the whole declaration */
	uint32_t flags;    /* RA_SYMF_* */
} ra_sym;

/* One connection of an instance: a port connection or a parameter/generic override. */
typedef struct ra_conn {
	int32_t inst;        /* index in syms of the RA_SYM_INSTANCE */
	const char *formal;  /* port/parameter name for named connections, "*" for .*, NULL when
			       positional */
	int32_t position;    /* 0-based position among this instance's ports (or params) */
	const char *actual;  /* expression text; NULL for an explicitly empty connection `.a()` */
	bool is_param;       /* parameter override (#(...)) / generic map */
	ra_span span;        /* the whole connection */
	ra_span formal_span; /* the formal's name as written (`.NAME(` / `NAME =>`); all zero
				when unknown (positional, `.*`) */
} ra_conn;

/* An identifier use (not a declaration). */
typedef struct ra_ref {
	const char *name;
	int32_t scope; /* innermost enclosing symbol (unit, generate, function...), -1 at file level */
	ra_span span;
} ra_ref;

/* `include "path" (SystemVerilog). The store resolves the path to a file. */
typedef struct ra_include {
	const char *path; /* as written, without quotes */
	ra_span span;
} ra_include;

/* import pkg::item; / import pkg::*; / VHDL use lib.pkg.item; library clauses give lib only. */
typedef struct ra_import {
	int32_t scope;       /* -1 at file level (also VHDL context clauses before a unit) */
	const char *library; /* VHDL library ("ieee", "work"); NULL for SystemVerilog */
	const char *pkg;     /* package name; NULL for a plain VHDL library clause */
	const char *item;    /* item name, or "*" for all (VHDL "all" is stored as "*") */
	ra_span span;
} ra_import;

/*
 * Data flow: one edge from a signal read to a signal written, inside one unit. An assignment
 * `y = a & b` gives a->y and b->y; signals in the conditions that guard a write (if, case, ?:
 * selects, VHDL when/with) give control edges; in an edge-triggered block the clock gives a clock
 * edge and an asynchronous reset a reset edge to every signal the block writes.
 * Names are base identifiers (`a` for `a[3:0]` or `a.b`); the scope is the innermost symbol
 * (process, generate, function, unit).
 */
typedef enum {
	RA_FLOW_DATA = 0, /* the value flows into the target */
	RA_FLOW_CONTROL,  /* the source decides whether/which value is written */
	RA_FLOW_CLOCK,    /* the clock of an edge-triggered block writing the target */
	RA_FLOW_RESET     /* the asynchronous reset of such a block */
} ra_flow_kind;

typedef enum {
	RA_ASSIGN_CONTINUOUS = 0, /* assign / VHDL concurrent assignment */
	RA_ASSIGN_BLOCKING,       /* = in a process / VHDL variable := */
	RA_ASSIGN_NONBLOCKING,    /* <= in a process / VHDL signal <= in a process */
	RA_ASSIGN_CALL            /* conservatively: arguments of a function/task call */
} ra_assign_how;

typedef struct ra_flow {
	int32_t scope;      /* innermost enclosing symbol */
	const char *target; /* written signal */
	const char *source; /* read signal */
	ra_flow_kind kind;
	ra_assign_how how;
	ra_span span; /* the statement (or the expression) that makes the edge */
} ra_flow;

/*
 * A chunk: a piece of the source cut along the syntax tree, the unit of search. Kinds:
 * "signature" (a unit's name, parameters and ports), "process" (always/initial/VHDL process),
 * "assigns" (a run of related continuous assignments), "instance", "subprogram" (function, task,
 * method), "declarations" (package items, typedefs, signal declarations), "generate", "other".
 * Big constructs are split at statement boundaries and tiny neighbours merged, so that a chunk's
 * text stays within about 60 lines / 2000 bytes.
 */
typedef struct ra_chunk {
	const char *kind; /* one of the names above */
	int32_t sym;      /* the symbol the chunk is about (unit, process, instance...), -1 none */
	ra_span span;     /* lines (and columns) of the source the chunk covers */
	const char *text; /* the source text of that span, as written */
} ra_chunk;

/* A syntax error or a front end's complaint about the file. */
typedef struct ra_diag {
	ra_span span;
	const char *message;
} ra_diag;

typedef struct ra_model {
	ra_lang lang;
	ra_arena *arena; /* owns every string reachable from the arrays below */

	ra_sym *syms;
	size_t nsyms, syms_cap;
	ra_conn *conns;
	size_t nconns, conns_cap;
	ra_ref *refs;
	size_t nrefs, refs_cap;
	ra_include *includes;
	size_t nincludes, includes_cap;
	ra_import *imports;
	size_t nimports, imports_cap;
	ra_diag *diags;
	size_t ndiags, diags_cap;
	ra_flow *flows;
	size_t nflows, flows_cap;
	ra_chunk *chunks;
	size_t nchunks, chunks_cap;

	uint32_t nerrors; /* syntax errors (ERROR/MISSING regions, VHDL parse errors) */
} ra_model;

/* New empty model for `lang`; NULL on OOM. Free with ra_model_free (accepts NULL). */
ra_model *ra_model_new(ra_lang lang);
void ra_model_free(ra_model *m);

/*
 * Appenders. Each copies the strings it is given into the model's arena (NULL stays NULL; pass
 * the length explicitly with the _n variants for text that is not NUL-terminated) and returns the
 * new element's index, or a negative error code (RA_ENOMEM).
 */
int32_t ra_model_add_sym(ra_model *m, const ra_sym *sym);
int32_t ra_model_add_conn(ra_model *m, const ra_conn *conn);
int32_t ra_model_add_ref(ra_model *m, const ra_ref *ref);
int32_t ra_model_add_include(ra_model *m, const ra_include *inc);
int32_t ra_model_add_import(ra_model *m, const ra_import *imp);
int32_t ra_model_add_flow(ra_model *m, const ra_flow *flow);
int32_t ra_model_add_chunk(ra_model *m, const ra_chunk *chunk);
int32_t ra_model_add_diag(ra_model *m, ra_span span, const char *fmt, ...) RA_PRINTF(3, 4);

/* Copies n bytes of s into the model's arena (NUL-terminated); NULL on OOM. */
const char *ra_model_str(ra_model *m, const char *s, size_t n);

/* True for kinds that are design units (module ... context). */
bool ra_model_kind_is_unit(ra_sym_kind kind);

/* Stable lower-case names: "module", "port", "instance", "package_body", ... */
const char *ra_model_kind_name(ra_sym_kind kind);
/* Inverse of ra_model_kind_name; -1 when unknown. */
int ra_model_kind_from_name(const char *name);

/* "verilog", "systemverilog", "vhdl". */
const char *ra_model_lang_name(ra_lang lang);

/* Writes the model as readable text, one line per element, for golden tests and debugging.
 * Appends to `out`. Lines are 1-based for readers. */
int ra_model_dump(ra_buf *out, const ra_model *m);

#endif /* RA_MODEL_H */
