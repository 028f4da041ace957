/*
 * fsm.h - the case statements of a piece of SystemVerilog/Verilog or VHDL source, read by a token
 * scan, for finding state machines: each `case (sel)` / `case sel is` with its items (labels) and,
 * inside each item, the simple assignments `t = e;` / `t <= e;` / `t := e;` with what they assign.
 *
 * Why a scan at query time, not extraction at index time: an explanation asks for one unit, whose
 * text is one file that is scanned in well under a millisecond per 100 kB (tests/bench), so
 * nothing needs to be stored, the index schema stays as it is, and indexing pays nothing for a
 * rarely asked question. The scan knows nothing of registers: deciding which case statement is a
 * state machine (its selector is a clocked register, its items assign the register or its
 * next-state signal) is the caller's job (retriever/explain.c), with the index's dataflow.
 *
 * What is read:
 *  - SystemVerilog: `case`/`casez`/`casex` `(` selector `)` [`inside`] items `endcase`. An item
 *    starts at a statement boundary (the body's start, after `;`, `end`, `endcase`, `join*`) with
 *    labels separated by commas and ended by a single `:`, or `default`. Nesting of begin/end,
 *    fork/join, brackets and inner case statements is followed; inner cases are reported too.
 *  - VHDL: `case` selector `is` items `end case`, an item `when` choices (`|`) `=>` at a statement
 *    boundary; `others` is the default. Names compare case-insensitively in VHDL (the caller's
 *    job; spelling is kept).
 *  - Assignments at a statement boundary whose target is one name: the value's single token when
 *    it is one (a name or a literal), else every name it reads that is not called as a function.
 *    `pkg::NAME` reads as NAME.
 * Comments, strings, attributes and compiler directives never confuse the scan; malformed input
 * gives fewer or odd results, never a crash. At most 4096 case statements and 256 labels per item
 * are kept.
 *
 * Memory: everything in the result belongs to its arena (ra_fsm_cases_free).
 * Thread-safety: no shared state.
 */
#ifndef RA_FSM_H
#define RA_FSM_H

#include "indexer/model.h"

typedef struct ra_case_assign {
	const char *target;
	const char **values; /* the single value token, or the names read */
	size_t nvalues;
	bool simple;   /* the value is exactly one token */
	uint32_t line; /* 0-based */
} ra_case_assign;

typedef struct ra_case_item {
	const char **labels; /* simple labels (a name or a literal); others as written */
	size_t nlabels;
	bool is_default; /* default / others */
	ra_case_assign *assigns;
	size_t nassigns;
	uint32_t line;
} ra_case_item;

typedef struct ra_case_stmt {
	const char *selector; /* the selector when it is one name, else NULL */
	uint32_t line;        /* the `case` keyword, 0-based */
	uint32_t end_line;
	ra_case_item *items;
	size_t nitems;
} ra_case_stmt;

typedef struct ra_fsm_cases {
	ra_case_stmt *v;
	size_t n;
	ra_arena *arena;
} ra_fsm_cases;

/*
 * Scans lines [first_line, last_line] (0-based, inclusive) of `src` (len bytes, VHDL when `vhdl`)
 * and fills *out with the case statements that start there, in source order. Returns 0 or
 * RA_ENOMEM; on failure *out is empty. Free with ra_fsm_cases_free (also after a failure).
 */
int ra_fsm_cases_scan(ra_fsm_cases *out, const char *src, size_t len, bool vhdl,
                      uint32_t first_line, uint32_t last_line);
void ra_fsm_cases_free(ra_fsm_cases *c);

#endif /* RA_FSM_H */
