/*
 * explain.h - "explain this unit": a structured explanation of a SystemVerilog module, interface
 * or program, or a VHDL entity with its (default) architecture, built from the index alone, and
 * the prompt that asks a chat model for prose grounded in it. `rtlassist explain` and the LSP's
 * `rtlassist/explain` both print this one structure, so they give the same answer.
 *
 * What it holds (README.md, `explain`, documents the JSON):
 *  - parameters/generics with defaults; ports with direction, type, width, the interface or bus
 *    they belong to, and the clocks of the registers each port feeds (inputs) or is fed by
 *    (outputs), following the unit's dataflow edges through combinational logic;
 *  - port groups: each SystemVerilog interface port, and ports sharing a bus prefix
 *    (`s_axis_*`; `tl_i`/`tl_o` after the `_i`/`_o`/`_ni` suffix is dropped; AXI channels
 *    `axi_aw*`, `axi_w*`, `axi_b*`, `axi_ar*`, `axi_r*` apart);
 *  - clocks and resets with the registers each drives, and each clock's input and output ports;
 *  - state machines: case statements over a clocked register whose items assign that register
 *    or its next-state signal (a signal with a data edge into it) another state; states are the
 *    case labels, the values assigned and, when the register's type is an enumeration, its
 *    members in declaration order; transitions from the item's label to each state assigned
 *    in it. The unit's file is scanned at explain time (indexer/fsm.h says why);
 *  - submodules, one line each (`TYPE INST: KIND NAME, N parameters, M ports — first comment
 *    line`), and where the unit is instantiated;
 *  - the main dataflow: for each output, the inputs that reach it and the registers and
 *    submodules on the way (a summary: at most 8 names of each, with totals).
 *
 * Memory: an ra_explain and everything reachable from it live in its arena; free it with
 * ra_explain_free. Thread-safety: uses the store's connection; same rules as the store.
 */
#ifndef RA_EXPLAIN_H
#define RA_EXPLAIN_H

#include "indexer/store.h"
#include "retriever/gen.h"

#include <jansson.h>

struct ra_graph;

typedef struct ra_explain_opts {
	const char *root;     /* workspace root (absolute): the unit's files are read below it */
	size_t max_file_size; /* files above this are not read (no FSMs, comments); 0: 8 MiB */
	/* a design-graph handle over the same store to use (borrowed; a long-lived one, refreshed
	   by its owner before the call, keeps what earlier calls read), or NULL: one is opened for
	   the call */
	struct ra_graph *graph;
} ra_explain_opts;

/* A list of names, and how many there were before a list was cut (n <= total). */
typedef struct ra_explain_names {
	const char **v;
	size_t n, total;
} ra_explain_names;

typedef struct ra_explain_param {
	const char *name, *type, *value; /* type and value may be NULL */
	ra_span span;
} ra_explain_param;

typedef struct ra_explain_port {
	const char *name, *dir, *type; /* type may be NULL */
	const char *width;             /* "8", "DATA_W", NULL when unknown */
	const char *group;             /* the port group's name, NULL when none */
	const char *role;              /* "clock", "reset" or NULL */
	ra_explain_names clocks;       /* domains of the registers it feeds or is fed by */
	ra_span span;
} ra_explain_port;

typedef struct ra_explain_group {
	const char *name;
	const char *kind; /* "interface" (an interface port, type in `type`) or "bus" */
	const char *type;
	ra_explain_names ports;
} ra_explain_group;

typedef struct ra_explain_clock {
	const char *name;
	ra_explain_names registers, inputs, outputs; /* inputs/outputs: the ports of its domain */
	const char *resets;                          /* the resets of its registers, ", "-joined */
} ra_explain_clock;

typedef struct ra_explain_reset {
	const char *name;
	ra_explain_names registers;
} ra_explain_reset;

typedef struct ra_explain_transition {
	const char *from, *to;
	uint32_t line; /* 0-based, in the FSM's file */
} ra_explain_transition;

typedef struct ra_explain_fsm {
	const char *reg;   /* the state register (the case selector) */
	const char *next;  /* its next-state signal, NULL when the register is assigned directly */
	const char *clock; /* the register's clock, NULL when unknown */
	const char *type;  /* the register's declared type, NULL when unknown */
	const char *file;
	uint32_t line; /* the first case statement over it, 0-based */
	ra_explain_names states;
	ra_explain_transition *transitions;
	size_t ntransitions;
} ra_explain_fsm;

typedef struct ra_explain_sub {
	const char *inst, *type; /* instance name, the name as instantiated */
	const char *unit, *kind; /* the resolved unit, NULL when unresolved */
	const char *summary;     /* one line */
	const char *file;
	ra_span span;
} ra_explain_sub;

typedef struct ra_explain_use {
	const char *unit, *inst, *file;
	ra_span span;
} ra_explain_use;

typedef struct ra_explain_flow {
	const char *output;
	ra_explain_names inputs, registers, submodules;
} ra_explain_flow;

typedef struct ra_explain {
	const char *name, *kind, *lang, *file;
	ra_span span;
	const char *comment;      /* the comment above the unit, NULL when none */
	const char *architecture; /* VHDL: the architecture explained, else NULL */
	const char *body_file;    /* the file of that architecture (the unit's file otherwise) */
	ra_span body_span;
	ra_explain_names others; /* "file:line" of other units of the same name (ambiguous name) */
	int64_t unit_id, body_id;

	ra_explain_param *params;
	size_t nparams;
	ra_explain_port *ports;
	size_t nports;
	ra_explain_group *groups;
	size_t ngroups;
	ra_explain_clock *clocks;
	size_t nclocks;
	ra_explain_reset *resets;
	size_t nresets;
	ra_explain_fsm *fsms;
	size_t nfsms;
	ra_explain_sub *subs;
	size_t nsubs;
	ra_explain_use *users;
	size_t nusers;
	ra_explain_flow *flows;
	size_t nflows;

	ra_arena *arena;
} ra_explain;

/*
 * Explains the unit `name` (as ra_graph_unit_find finds it: exact for SystemVerilog, folded
 * for VHDL; a configuration explains its entity). When several units carry the name, the first
 * by path is explained and the others are listed in `others`. Returns 0 and the caller's
 * explanation, RA_ENOTFOUND (no such unit; message names it), RA_ENOMEM, RA_ERR (SQLite).
 * Files that cannot be read only leave out what needs them (comments, state machines).
 */
int ra_explain_unit(ra_explain **out, ra_store *st, const char *name, const ra_explain_opts *opts);
void ra_explain_free(ra_explain *e);

/* Turns a location into JSON for the caller's convention (CLI: 1-based file/line/column; LSP:
 * uri/range). Returns a new reference. */
typedef json_t *(*ra_explain_loc_fn)(const char *file, ra_span span, void *payload);

/* The explanation as JSON (README.md, `explain --json`); a new reference, NULL on OOM. */
json_t *ra_explain_json(const ra_explain *e, ra_explain_loc_fn loc, void *payload);

/* The explanation as readable text (lines 1-based), appended to `out`. Returns 0 or an error
 * of the buffer (RA_ENOMEM, RA_ETOOBIG). */
int ra_explain_text(ra_buf *out, const ra_explain *e);

/* A chat request asking for prose, built by ra_explain_prompt. */
typedef struct ra_explain_prompt {
	ra_gen_message messages[2]; /* system, user */
	ra_gen_request req;         /* RA_GEN_CHAT over messages */
	size_t code_bytes;          /* bytes of source included */
	size_t nchunks, nchunks_total;
	char *system, *user; /* the texts (owned; ra_explain_prompt_free) */
} ra_explain_prompt;

/*
 * Builds the chat request for prose about `e`: a system message (what to write, to cite
 * `file:line` for every claim, to say when the code does not tell), then a user message holding
 * the structured explanation (ra_explain_text) and the unit's code: the index's chunks of the
 * unit (and of its architecture), each headed by `file:first-last` with numbered lines, the
 * signature and the chunks holding state machines first, until `budget` bytes of code
 * (0: 12000). Returns 0, RA_ENOMEM, RA_ERR (SQLite). Free with ra_explain_prompt_free.
 */
int ra_explain_prompt_build(ra_explain_prompt *out, ra_store *st, const ra_explain *e,
                            size_t budget);
void ra_explain_prompt_free(ra_explain_prompt *p);

#endif /* RA_EXPLAIN_H */
