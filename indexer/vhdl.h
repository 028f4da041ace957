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
 * Guarantees: any input (including binary garbage) returns without crashing or hanging, in time
 * and memory linear in its size.
 */
#ifndef RA_VHDL_H
#define RA_VHDL_H

#include "indexer/model.h"

/* Parses `len` bytes of VHDL. Syntax errors do not fail the call. Returns 0 and the caller's
 * model (lang RA_LANG_VHDL) in *out, or RA_ENOMEM. Thread-safe (no shared state). */
int ra_vhdl_parse(ra_model **out, const char *src, size_t len);

#endif /* RA_VHDL_H */
