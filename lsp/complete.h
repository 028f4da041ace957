/*
 * complete.h - where the cursor is, for completion and signature help: after a backtick, after
 * `pkg::`, after VHDL `lib.`, inside an instance's parameter or port list (and inside which
 * named connection), inside a call's arguments, at the start of a statement (an instantiation
 * site), or anywhere else (identifiers in scope). A text scan around the cursor, so it works on
 * a line being typed that does not parse yet.
 *
 * Thread-safety: pure.
 */
#ifndef RA_COMPLETE_H
#define RA_COMPLETE_H

#include "base/base.h"

typedef enum {
	RA_CC_IDENT,        /* identifiers in scope */
	RA_CC_MACRO,        /* after ` */
	RA_CC_PKG_MEMBER,   /* after pkg:: (target = pkg) */
	RA_CC_LIBRARY_UNIT, /* after VHDL lib. (target = lib) */
	RA_CC_PORTS,        /* in an instance's port list / port map (target = unit) */
	RA_CC_PARAMS,       /* in #( ... ) / generic map (target = unit) */
	RA_CC_CALL,         /* in a call's arguments (target = subprogram) */
} ra_cc_kind;

#define RA_CC_NAME 128

typedef struct ra_cc {
	ra_cc_kind kind;
	char prefix[RA_CC_NAME]; /* the part of a word before the cursor */
	char target[RA_CC_NAME];
	char formal[RA_CC_NAME]; /* RA_CC_PORTS/PARAMS: the named connection the cursor is in */
	int arg_index;           /* ports/params/call: 0-based position among the list's items */
	bool dot;                /* the prefix follows a `.` (SystemVerilog named connection) */
	bool statement_start;    /* RA_CC_IDENT at the start of a statement: an instantiation */
	bool vhdl_entity;        /* VHDL `label : entity work.` */
	size_t list_start;       /* ports/params/call: offset after the list's `(` */
} ra_cc;

/* Detects the context at byte `off` of `text`. */
void ra_complete_context(ra_cc *out, const char *text, size_t len, size_t off, bool vhdl);

#endif /* RA_COMPLETE_H */
