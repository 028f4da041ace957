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
 * Thread-safety: a ra_sv_parser is used by one thread at a time; make one per worker.
 */
#ifndef RA_SV_H
#define RA_SV_H

#include "indexer/model.h"

typedef struct ra_sv_parser ra_sv_parser;

/* A reusable parser (holds a TSParser). NULL on OOM. */
ra_sv_parser *ra_sv_parser_new(void);
void ra_sv_parser_free(ra_sv_parser *p);

/*
 * Parses `len` bytes of `src` and extracts a model. `lang` is RA_LANG_SV or RA_LANG_VERILOG (the
 * same grammar parses both; the model records which). Syntax errors do not fail the call: they
 * are counted in the model. Returns 0 and the caller's model in *out, or RA_ENOMEM/RA_ERR.
 */
int ra_sv_parser_parse(ra_sv_parser *p, ra_model **out, const char *src, size_t len, ra_lang lang);

/* One-shot convenience: a parser for one call. */
int ra_sv_parse(ra_model **out, const char *src, size_t len, ra_lang lang);

/* The tree-sitter ABI version of the compiled-in grammar. */
unsigned ra_sv_grammar_abi(void);

#endif /* RA_SV_H */
