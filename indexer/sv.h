/*
 * sv.h - SystemVerilog/Verilog front end: tree-sitter (runtime 0.25.1, grammar
 * tree-sitter-systemverilog 0.4.1) parse, then extraction into a ra_model (see model.h for the
 * shape and for how each construct maps to symbol kinds).
 *
 * Mapping (the contract with the store and later layers):
 *   module/interface/program/package/class/checker/primitive/config -> unit kinds; classes nested
 *     in a package or module have it as parent.
 *   ports -> RA_SYM_PORT: dir "input"/"output"/"inout"/"ref", type = data type with packed dims
 *     ("logic [7:0]"), dims = unpacked dims, value = default; interface ports: dir "interface",
 *     type "bus_if.modport" (or "bus_if"). Non-ANSI ports merge their header name with the body
 *     declaration.
 *   parameter -> RA_SYM_PARAM, localparam -> RA_SYM_LOCALPARAM (type, value = default text).
 *   nets -> RA_SYM_NET (type "wire [3:0]"), variables -> RA_SYM_VAR.
 *   typedef -> RA_SYM_TYPEDEF (type = base type text: "enum logic [1:0]", "struct packed");
 *     enum members -> RA_SYM_ENUM_MEMBER (parent = typedef, value = explicit value),
 *     struct/union members -> RA_SYM_STRUCT_MEMBER.
 *   function/task -> RA_SYM_FUNCTION/RA_SYM_TASK (type = return type; a constructor is
 *     "new"); their arguments -> RA_SYM_PORT with the subroutine as parent; class properties ->
 *     RA_SYM_VAR with the class as parent; methods likewise. A class's type is its base class.
 *   genvar -> RA_SYM_VAR (type "genvar"). `T x;` with T a typedef reads as a user nettype in the
 *     grammar; it is a RA_SYM_VAR (type "T").
 *   `define -> RA_SYM_MACRO at file level (type = formal argument list text, value = body);
 *   `include -> ra_include; import pkg::x / pkg::* -> ra_import (scope = enclosing symbol).
 *   instances -> RA_SYM_INSTANCE (name = instance name, type = unit name, dims = instance array
 *     dims, parent = enclosing unit or generate scope) with ra_conn entries: #(...) overrides
 *     (is_param), named `.p(e)`, implicit `.p` (actual = "p"), `.*` (formal "*", actual NULL),
 *     positional (an empty `,,` slot has actual NULL). Gate primitives (`and g1 (y, a, b)`)
 *     are instances too: type = the gate keyword, name "" when unnamed, terminals positional.
 *   generate for/if/case and named begin/end blocks -> RA_SYM_GENERATE (name = label, or
 *     "genblkN" with RA_SYMF_IMPLICIT; type = "for" "if" "case" "block").
 *   always, always_comb/_ff/_latch, initial, final -> RA_SYM_PROCESS (name = label or "",
 *     type = "always_ff" ...).
 *   modport -> RA_SYM_MODPORT; clocking blocks -> RA_SYM_CLOCKING.
 *   every other identifier use -> ra_ref with its innermost scope; only the head of a dotted
 *     name (a.b.c -> "a"); macro uses (`FOO) and `ifdef names -> ra_ref "FOO" at scope -1.
 *   Names are as written: an escaped identifier keeps its backslash ("\$_DFF_P_").
 *   A module header that syntax-error recovery left inside an ERROR node still yields the module.
  *   nerrors = number of ERROR and MISSING regions; each also gets a ra_diag.
 *
 * Data flow (ra_flow; scope = innermost symbol: process, function/task, generate, unit):
 *   Writes: `assign` and `wire y = e` (how CONTINUOUS); in processes and subroutines `=`, `+=`,
 *     `++`, for-loop initialisers and local initialisers (BLOCKING), `<=` (NONBLOCKING).
 *     Module-level variable initialisers (`logic x = e;`) are not drivers and give nothing.
 *   Targets are the base identifiers of the lvalue (`a[3:0]`, `a.b`, `a[i]` -> a; each part of
 *     `{a, b}`); `a += e` and `a++` also read a. Every other identifier use in the statement is a
 *     DATA source, including indexes on either side (`i` in `m[i] = x`) and parameters; literals
 *     give nothing, and member names, callee names, package scopes, cast types and delays are
 *     not signals. Self edges stay (`cnt <= cnt + 1`); one statement never gives the same edge
 *     twice.
 *   CONTROL: identifiers in the condition of a `?:` in the right-hand side, and in every
 *     condition guarding the statement: `if`/`else if` conditions (an else branch is guarded by
 *     the conditions before it), `case` expressions, the labels of the case item holding it, and
 *     loop conditions.
 *   Calls: identifiers in the arguments of a function called in an expression flow into the
 *     assignment's targets with how CALL. A call statement `t(a, b);` of a task or function
 *     declared earlier in the same file sends its input arguments into the base identifiers of
 *     the arguments bound to output/inout/ref ports (how CALL); other call statements give none.
 *   Clocks and resets: an `always` block whose top-level event control has posedge/negedge/edge
 *     is edge-triggered. Its clock is the first event-list signal not tested by the block's
 *     first `if` condition (the first one, when all are tested); every other event-list signal
 *     is an asynchronous reset. The clock gives a CLOCK edge and each reset a RESET edge to every
 *     signal the block writes (span: the event control; how: the first write's); these signals
 *     give no CONTROL edges in that block. Synchronous resets stay CONTROL.
 *   Port connections and gate primitives give no flows (the graph joins hierarchy through
 *   ra_conn).
 *
 * Chunks (ra_chunk; text = the exact source of the span, without blank lines at either end):
 *   Each design unit: "signature" (from the comment directly above the unit to the end of its
 *     header: keyword, name, parameter and port lists; a non-ANSI unit's leading port and
 *     parameter declarations join it), then its items in order: always/initial/final ->
 *     "process", continuous assignments -> "assigns", instantiations -> "instance",
 *     function/task/constructor -> "subprogram", declarations of any kind -> "declarations",
 *     generate constructs that fit in one chunk -> "generate", anything else -> "other".
 *     Nested units (a class in a package) are chunked on their own. Outside units, file-level
 *     items (macros, includes, `timescale) make "other" chunks; a comment block parted from the
 *     next unit by a blank line (a licence header) is "other" too.
 *   The lines between two items (comments, blank lines, `end`, `endgenerate`) belong to the
  *     next item; the text after the last item (`endmodule`) to the last chunk (after a nested
 *     unit, to an "other" chunk of the enclosing unit); so every line of
 *     a unit lies in a chunk of that unit, and no chunk holds two units.
 *   Bounds: about 60 lines / 2000 bytes. A bigger item is split at its children (statements,
 *     case items, ports, a big generate's items, which keep their own kinds and have the
 *     generate block as scope) recursively; a node that has no children to split at stays whole.
 *     Adjacent "signature", "assigns", "declarations" and "other" items share chunks up to the
 *     bounds; adjacent one- and two-line items of another kind (three one-line processes) share
 *     one chunk of at most 15 lines.
 *   sym: the unit for its signature; the process, instance, subroutine or generate block for
 *     one such item (all pieces of a split item keep it); the enclosing unit or generate block
 *     for runs and merged items; -1 outside units.
 *
 * Thread-safety: a ra_sv_parser is used by one thread at a time; make one per worker. A
 * ra_sv_tree likewise, and it may be parsed by any parser.
 */
#ifndef RA_SV_H
#define RA_SV_H

#include "indexer/model.h"

typedef struct ra_sv_parser ra_sv_parser;

/* A reusable parser (holds a TSParser). NULL on OOM. */
ra_sv_parser *ra_sv_parser_new(void);
void ra_sv_parser_free(ra_sv_parser *p);

/*
 * The CPU time one parse may take: RA_SV_PARSE_BUDGET_S plus RA_SV_PARSE_BUDGET_US_PER_KB per KB
 * of text. tree-sitter's error recovery can grow without bound on some broken text (fuzzing
 * found 1.4 KB that took 13 GB and minutes; with the budget, 1 s and 34 MB). Real code parses
 * at about 215 us/KB of CPU; OpenTitan's slowest file at 2950 us/KB (bench_sv_parse: "slowest
 * raw parse per byte"), a third of what the budget allows.
 */
#define RA_SV_PARSE_BUDGET_S 1.0
#define RA_SV_PARSE_BUDGET_US_PER_KB 10000

/*
 * Parses `len` bytes of `src` and extracts a model. `lang` is RA_LANG_SV or RA_LANG_VERILOG (the
 * same grammar parses both; the model records which). Syntax errors do not fail the call: they
 * are counted in the model. Returns 0 and the caller's model in *out, RA_ETOOBIG when the parse
 * went over its budget (above), or RA_ENOMEM/RA_ERR.
 */
int ra_sv_parser_parse(ra_sv_parser *p, ra_model **out, const char *src, size_t len, ra_lang lang);

/*
 * Incremental re-parsing, for a text that changes by small edits (an editor's open document).
 * A ra_sv_tree keeps the syntax tree of the last parse; every change to the text is reported
 * with ra_sv_tree_edit, and the next ra_sv_parser_reparse re-parses only what the edits touched.
 * The model is the same as ra_sv_parser_parse's of the same text (with RA_SV_NO_CHUNKS, without
 * its chunks) when the text has no syntax error (tests/fuzz/fuzz_sv.c checks it); in broken
 * code tree-sitter's error recovery may take another way on an edited tree than on a fresh one.
 */
typedef struct ra_sv_tree ra_sv_tree;

/* One change: bytes [start, old_end) of the old text replaced by [start, new_end) of the new;
 * rows 0-based, columns in bytes. ra_sv_edit_make computes one. */
typedef struct ra_sv_edit {
	uint32_t start, old_end, new_end;
	uint32_t start_row, start_col;
	uint32_t old_end_row, old_end_col;
	uint32_t new_end_row, new_end_col;
} ra_sv_edit;

/* ra_sv_parser_reparse flags */
#define RA_SV_NO_CHUNKS 1u /* leave the model's chunks empty (they serve search only) */

/*
 * Parses `len` bytes of `src` as ra_sv_parser_parse does. `*tree` is NULL (a fresh parse) or the
 * tree of the previous parse with every edit since applied; a tree whose edits do not add up to
 * `len` bytes is not reused (the parse is then a fresh one). On success *tree is the tree of
 * `src` (created when NULL; the caller's, freed with ra_sv_tree_free) even when extraction fails;
 * when the parse fails *tree is unchanged. Returns 0 and the caller's model in *out, or
 * RA_ETOOBIG, RA_ENOMEM, RA_ERR.
 */
int ra_sv_parser_reparse(ra_sv_parser *p, ra_model **out, ra_sv_tree **tree, const char *src,
                         size_t len, ra_lang lang, unsigned flags);

/* The edit that replaces bytes [from, to) of `old` (old_len bytes; clamped) with `text`. */
void ra_sv_edit_make(ra_sv_edit *out, const char *old, size_t old_len, size_t from, size_t to,
                     const char *text, size_t text_len);

/* Records an edit of the text in a tree (NULL or empty: nothing to do). Returns 0, or RA_ERR
 * when the edit does not fit the tree's text; the tree is then unchanged and should be freed. */
int ra_sv_tree_edit(ra_sv_tree *t, const ra_sv_edit *e);

/* Frees a tree; accepts NULL. */
void ra_sv_tree_free(ra_sv_tree *t);

/* One-shot convenience: a parser for one call. */
int ra_sv_parse(ra_model **out, const char *src, size_t len, ra_lang lang);

/* The tree-sitter ABI version of the compiled-in grammar. */
unsigned ra_sv_grammar_abi(void);

#endif /* RA_SV_H */
