/*
 * vhdl.h - VHDL front end: our own lexer and recursive-descent parser for VHDL-93/2002/2008 as
 * found in real code (no VHDL tree-sitter grammar can be installed here), extracting into the
 * same ra_model as SystemVerilog.
 *
 * Mapping (the contract with the store and later layers):
 *   entity -> RA_SYM_ENTITY; generics -> RA_SYM_PARAM (type = subtype text, value = default);
 *     ports -> RA_SYM_PORT (dir "in" "out" "inout" "buffer" "linkage", type, value).
 *   architecture -> RA_SYM_ARCHITECTURE (name = architecture, type = entity name).
 *   package -> RA_SYM_PACKAGE; package body -> RA_SYM_PACKAGE_BODY (name = package name);
 *   configuration -> RA_SYM_CONFIGURATION (type = entity name); context -> RA_SYM_CONTEXT.
 *   signal -> RA_SYM_NET; constant -> RA_SYM_LOCALPARAM; variable, shared variable -> RA_SYM_VAR;
 *   type, subtype -> RA_SYM_TYPEDEF (type = definition text, abbreviated); enumeration literals ->
 *   RA_SYM_ENUM_MEMBER (parent = the type); record elements -> RA_SYM_STRUCT_MEMBER; alias ->
 *   RA_SYM_ALIAS; attribute declaration -> RA_SYM_ATTRIBUTE; component -> RA_SYM_COMPONENT with
 *   its generics and ports as children; file -> RA_SYM_FILE_OBJ; function -> RA_SYM_FUNCTION;
 *   procedure -> RA_SYM_TASK; process -> RA_SYM_PROCESS (name = label or ""); generate ->
 *   RA_SYM_GENERATE (name = label; type "for" "if" "case"); block -> RA_SYM_BLOCK.
 *   instantiation -> RA_SYM_INSTANCE (name = label, type = unit name without library or
 *     architecture, dir = "component" "entity" "configuration", value = the instantiated unit as
 *     written: "work.fifo(rtl)"), generic map -> ra_conn is_param, port map -> ra_conn.
 *   library clause -> ra_import {library, NULL, NULL}; use lib.pkg.item / .all -> ra_import
 *   {library, pkg, item or "*"}; scope = -1 for context clauses before a unit.
 *   identifier uses -> ra_ref. Names keep their spelling as written; lookups fold case.
 *   Each syntax error -> ra_diag and nerrors++, then recovery at a synchronising token.
 *
 * Details the mapping above leaves open (decided by the parser, kept stable):
 *   subprogram parameters -> RA_SYM_PORT under the function/task (dir = mode, "in" when none is
 *     written); a function's type = its return type; operator symbols keep their quotes as name.
 *   VHDL-2008 generic type / package / subprogram -> RA_SYM_PARAM with type "type", "package"
 *     (value = the generic package as written) or "function" / "procedure".
 *   package instantiation `package p is new lib.g generic map (...)` -> RA_SYM_PACKAGE with
 *     value = "lib.g"; its generic map gives references only (connections belong to instances).
 *   physical type units -> RA_SYM_ENUM_MEMBER under the type (value "1000 ps"); protected type
 *     and protected body -> RA_SYM_TYPEDEF with type "protected" / "protected body", their
 *     subprograms and variables as children. Typedef type texts: "record", else the definition.
 *   context reference `context lib.ctx;` -> ra_import {lib, ctx, "*"}. `use a.b` -> {a, b, NULL}
 *     when a is a library (work, std, ieee, or named in a library clause of the file), else
 *     {NULL, a, b}; imports inside a unit or context declaration have that symbol as scope.
 *   Type and value texts are the tokens as written joined by single spaces (comments dropped),
 *     cut at 256 bytes (typedef definitions at 100) with "...".
 *   References are not made for declared names, end labels, attribute designators after a tick,
 *     formals before `=>`, loop/generate parameters, or names in library/use clauses.
 *   At most 500 diagnostics are kept; nerrors counts every error. Nesting
 *     deeper than 128 statements/declarations is reported once and ends the parse of the file.
 *
 * Data flow (ra_flow; names are base names as written: `a` for a(3 downto 0), a(i), a.f):
 *   concurrent simple/conditional/selected signal assignment -> RA_ASSIGN_CONTINUOUS, scope =
 *     the architecture, block or generate; in a process or subprogram `<=` ->
 *     RA_ASSIGN_NONBLOCKING and `:=` -> RA_ASSIGN_BLOCKING, scope = the process or subprogram.
 *   DATA from the names read in the values (not in `after` delays); CONTROL from the names in
 *     the statement's `when` conditions, its `with` selector and the indexes of its target, and
 *     in the guards of enclosing if/elsif conditions (earlier conditions of the same if too),
 *     case selectors and while conditions.
 *   Clock: an if/elsif condition containing rising_edge(c), falling_edge(c), c'event or
 *     c'stable, in a process or subprogram not already under a clock, makes c the clock of its
 *     branch: c is no CONTROL there, and CLOCK c -> t is added once per target t written in
 *     that branch (how = that of t's writes, span = the condition). `wait until` such a
 *     condition clocks the rest of the body.
 *   Reset: `if r then ... elsif <clock edge> then` makes the names of r the asynchronous reset:
 *     no CONTROL from them, RESET r -> t once for every target t of the body (span = r). A
 *     reset tested inside the clocked branch is an ordinary CONTROL.
 *   Procedure calls -> RA_ASSIGN_CALL (DATA) plus the guards' CONTROL: for a procedure declared
 *     earlier in the file, actuals of in/inout parameters (named or positional) flow into the
 *     names given as actuals of out/inout/buffer parameters; for any other procedure every
 *     actual that is a name is taken as written and every actual as read, without self edges.
 *     Function calls in expressions make no edges of their own; their arguments are read.
 *   Not sources: names after a `.` (record fields, selected names), library prefixes, prefixes
 *     of attributes other than signal attributes ('event 'stable 'last_value ...; so no
 *     `v'range`), type marks of qualified expressions, loop and generate parameters, and names
 *     the file declares earlier as functions, types or enumeration literals or that are common
 *     IEEE/STD functions, types and literals (rising_edge, resize, to_unsigned, unsigned,
 *     std_logic_vector, true, ...). Constants and generics are sources.
 *   Port maps make no flows. Per statement at most 64 distinct sources and 16 targets are kept,
 *     at most 32 guard names, 512 targets per body for clock/reset edges, 4 clocks and 4 resets;
 *     a file keeps at most 2 flows per token (plus 4096).
 *
 * Chunks (ra_chunk, one unit's text never in two units' chunks; the text before the first unit
 * and between units, context clauses and comments, goes with the next unit's first chunk):
 *   "signature": the entity (header, generics, ports); the `architecture ... is` line with its
 *     declarative part when that fits one chunk; a package's or package body's header; a
 *     configuration or context declaration whole.
 *   "declarations": the declarations of a package, package body, or long architectural
 *     declarative part; "subprogram": each subprogram body there.
 *   "process", "instance", "assigns" (a run of concurrent assignments), "generate" and "other"
 *     (block, assertion, concurrent procedure call): the concurrent statements. A generate or
 *     block that fits one chunk is one chunk; a bigger one keeps its header and its statements
 *     are chunked on their own.
 *   Each chunk starts at the line after the previous construct (comments above belong to it)
 *     and ends where the next begins, trailing `end ...;` included; text is that exact slice
 *     with blank lines around trimmed. Adjacent assignments or declarations of one scope merge,
 *     other same-kind neighbours only when both are up to 4 lines (sym = the scope then). A
 *     chunk over 60 lines or 2000 bytes is split at statement, declaration or list element
 *     boundaries, else at line starts (pieces keep kind and sym); one line is never split.
 *
 * Guarantees: any input (including binary garbage) returns without crashing or hanging, in time
 * and memory linear in its size.
 */
#ifndef RA_VHDL_H
#define RA_VHDL_H

#include "indexer/model.h"

/* Parses `len` bytes of VHDL (src may be NULL when len is 0). Syntax errors do not fail the
 * call. Returns 0 and the caller's model (lang RA_LANG_VHDL) in *out, RA_ENOMEM, or RA_ETOOBIG
 * for input of 4 GiB or more. Thread-safe (no shared state). */
int ra_vhdl_parse(ra_model **out, const char *src, size_t len);

#endif /* RA_VHDL_H */
