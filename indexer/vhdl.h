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
