/*
 * vhdl_internal.h - what the VHDL lexer (vhdl_lex.c) hands the parser (vhdl.c): a flat array of
 * tokens over the unchanged source, with keywords already classified. Private to indexer/vhdl*.c.
 *
 * Tokens point into the source (offset + length) and carry their 0-based line and byte column;
 * no token spans a line, so a token's end is (line, col + len). Comments and whitespace make no
 * tokens. The array always ends with one RA_VT_EOF token.
 */
#ifndef RA_VHDL_INTERNAL_H
#define RA_VHDL_INTERNAL_H

#include "indexer/model.h"

/* Reserved words of VHDL-2008 (PSL-only words stay identifiers: real pre-2008 code uses them). */
/* clang-format off */
#define RA_VHDL_KEYWORDS(X) \
	X(ABS, "abs") \
	X(ACCESS, "access") \
	X(AFTER, "after") \
	X(ALIAS, "alias") \
	X(ALL, "all") \
	X(AND, "and") \
	X(ARCHITECTURE, "architecture") \
	X(ARRAY, "array") \
	X(ASSERT, "assert") \
	X(ATTRIBUTE, "attribute") \
	X(BEGIN, "begin") \
	X(BLOCK, "block") \
	X(BODY, "body") \
	X(BUFFER, "buffer") \
	X(BUS, "bus") \
	X(CASE, "case") \
	X(COMPONENT, "component") \
	X(CONFIGURATION, "configuration") \
	X(CONSTANT, "constant") \
	X(CONTEXT, "context") \
	X(DISCONNECT, "disconnect") \
	X(DOWNTO, "downto") \
	X(ELSE, "else") \
	X(ELSIF, "elsif") \
	X(END, "end") \
	X(ENTITY, "entity") \
	X(EXIT, "exit") \
	X(FILE, "file") \
	X(FOR, "for") \
	X(FORCE, "force") \
	X(FUNCTION, "function") \
	X(GENERATE, "generate") \
	X(GENERIC, "generic") \
	X(GROUP, "group") \
	X(GUARDED, "guarded") \
	X(IF, "if") \
	X(IMPURE, "impure") \
	X(IN, "in") \
	X(INERTIAL, "inertial") \
	X(INOUT, "inout") \
	X(IS, "is") \
	X(LABEL, "label") \
	X(LIBRARY, "library") \
	X(LINKAGE, "linkage") \
	X(LITERAL, "literal") \
	X(LOOP, "loop") \
	X(MAP, "map") \
	X(MOD, "mod") \
	X(NAND, "nand") \
	X(NEW, "new") \
	X(NEXT, "next") \
	X(NOR, "nor") \
	X(NOT, "not") \
	X(NULL_, "null") \
	X(OF, "of") \
	X(ON, "on") \
	X(OPEN, "open") \
	X(OR, "or") \
	X(OTHERS, "others") \
	X(OUT, "out") \
	X(PACKAGE, "package") \
	X(PORT, "port") \
	X(POSTPONED, "postponed") \
	X(PROCEDURE, "procedure") \
	X(PROCESS, "process") \
	X(PROTECTED, "protected") \
	X(PURE, "pure") \
	X(RANGE, "range") \
	X(RECORD, "record") \
	X(REGISTER, "register") \
	X(REJECT, "reject") \
	X(RELEASE, "release") \
	X(REM, "rem") \
	X(REPORT, "report") \
	X(RETURN, "return") \
	X(ROL, "rol") \
	X(ROR, "ror") \
	X(SELECT, "select") \
	X(SEVERITY, "severity") \
	X(SHARED, "shared") \
	X(SIGNAL, "signal") \
	X(SLA, "sla") \
	X(SLL, "sll") \
	X(SRA, "sra") \
	X(SRL, "srl") \
	X(SUBTYPE, "subtype") \
	X(THEN, "then") \
	X(TO, "to") \
	X(TRANSPORT, "transport") \
	X(TYPE, "type") \
	X(UNAFFECTED, "unaffected") \
	X(UNITS, "units") \
	X(UNTIL, "until") \
	X(USE, "use") \
	X(VARIABLE, "variable") \
	X(WAIT, "wait") \
	X(WHEN, "when") \
	X(WHILE, "while") \
	X(WITH, "with") \
	X(XNOR, "xnor") \
	X(XOR, "xor")
/* clang-format on */

/* Token kinds: punctuation and literals, then one kind per keyword from RA_VT_KW_FIRST on. */
enum {
	RA_VT_EOF = 0,
	RA_VT_ID,     /* basic identifier */
	RA_VT_EXTID,  /* extended identifier \like this\ */
	RA_VT_NUM,    /* decimal or based literal */
	RA_VT_BITSTR, /* bit-string literal X"FF", 8UX"0F" */
	RA_VT_STR,    /* "string" */
	RA_VT_CHAR,   /* 'c' */
	RA_VT_LPAREN,
	RA_VT_RPAREN,
	RA_VT_LBRACK,
	RA_VT_RBRACK,
	RA_VT_SEMI,
	RA_VT_COLON,
	RA_VT_COMMA,
	RA_VT_DOT,
	RA_VT_TICK,
	RA_VT_AMP,
	RA_VT_STAR,
	RA_VT_PLUS,
	RA_VT_MINUS,
	RA_VT_SLASH,
	RA_VT_LT,
	RA_VT_GT,
	RA_VT_EQ,
	RA_VT_BAR,    /* | (and ! as its replacement character) */
	RA_VT_ARROW,  /* => */
	RA_VT_POW,    /* ** */
	RA_VT_ASSIGN, /* := */
	RA_VT_NE,     /* /= */
	RA_VT_GE,     /* >= */
	RA_VT_LE,     /* <= */
	RA_VT_BOX,    /* <> */
	RA_VT_QQ,     /* ?? */
	RA_VT_QOP,    /* ?= ?/= ?< ?<= ?> ?>= */
	RA_VT_QUES,   /* ? */
	RA_VT_DLT,    /* << (external name) */
	RA_VT_DGT,    /* >> */
	RA_VT_AT,     /* @ */
	RA_VT_CARET,  /* ^ */
	RA_VT_KW_FIRST
};

#define RA_VHDL_KW_ENUM(name, text) RA_VK_##name,
enum { RA_VHDL_KEYWORDS(RA_VHDL_KW_ENUM) RA_VK__COUNT };
#undef RA_VHDL_KW_ENUM

/* the token kind of keyword RA_VK_x */
#define RA_VT_KW(k) (RA_VT_KW_FIRST + RA_VK_##k)

typedef struct ra_vhdl_tok {
	uint32_t off, len; /* bytes of the source */
	uint32_t line, col;
	uint16_t kind; /* RA_VT_* */
} ra_vhdl_tok;

typedef struct ra_vhdl_toks {
	ra_vhdl_tok *v;
	size_t n, cap;
} ra_vhdl_toks;

/* Most diagnostics one file keeps; further errors are only counted in nerrors. */
#define RA_VHDL_MAX_DIAGS 500

/*
 * Splits `src` into tokens appended to `out` (the caller frees out->v with ra_free, also on
 * failure). Lexical errors (stray characters, unterminated strings and comments) are reported
 * into `m` with ra_vhdl__diag. Returns 0 or RA_ENOMEM.
 */
int ra_vhdl__lex(ra_vhdl_toks *out, const char *src, size_t len, ra_model *m);

/* Counts one syntax error in `m` and records it as a diagnostic while under RA_VHDL_MAX_DIAGS.
 * Returns 0 or RA_ENOMEM. */
int ra_vhdl__diag(ra_model *m, ra_span span, const char *fmt, ...) RA_PRINTF(3, 4);

/* Lower-case spelling of a keyword token kind ("entity"); "" for other kinds. */
const char *ra_vhdl__kw_name(int kind);

/*
 * Chunking (vhdl_chunk.c). While parsing one design unit the parser records its "items", the
 * constructs that become chunks, in source order (a signature, declarations, subprogram bodies,
 * concurrent statements at every generate/block nesting level), and its "cuts", the tokens where
 * a chunk that is too big may be split (statement, declaration and list element starts). After
 * the unit, ra_vhdl__chunk_unit turns them into ra_chunks covering the unit's text.
 */
enum {
	RA_VCK_SIGNATURE,
	RA_VCK_PROCESS,
	RA_VCK_ASSIGNS,
	RA_VCK_INSTANCE,
	RA_VCK_SUBPROGRAM,
	RA_VCK_DECLARATIONS,
	RA_VCK_GENERATE,
	RA_VCK_OTHER
};

typedef struct ra_vhdl_item {
	uint32_t a, b;  /* first and last token */
	int32_t sym;    /* the symbol the item is about */
	int32_t scope;  /* the enclosing symbol: items merge only within one scope */
	uint8_t kind;   /* RA_VCK_* */
	uint8_t level;  /* statement nesting: 0 directly in the unit */
	bool container; /* a generate or block: kept whole when small, else its items are used */
} ra_vhdl_item;

typedef struct ra_vhdl_chunker {
	const char *src;
	size_t len;
	const ra_vhdl_tok *t;
	size_t n;
	uint32_t *lines; /* byte offset of each line start */
	size_t nlines;
	ra_vhdl_item *items;
	size_t nitems, items_cap;
	uint32_t *cuts; /* ascending token indexes */
	size_t ncuts, cuts_cap;
	struct ra_vhdl_piece *pieces; /* scratch of ra_vhdl__chunk_unit */
	size_t pieces_cap;
} ra_vhdl_chunker;

/* Prepares `c` over the source and its tokens (both borrowed). Returns 0 or RA_ENOMEM; free
 * with ra_vhdl__chunker_free (also on failure). */
int ra_vhdl__chunker_init(ra_vhdl_chunker *c, const char *src, size_t len, const ra_vhdl_tok *t,
                          size_t n);
void ra_vhdl__chunker_free(ra_vhdl_chunker *c);

/* True when source bytes [a, b) are small enough for one chunk. */
bool ra_vhdl__chunk_fits(const ra_vhdl_chunker *c, size_t a, size_t b);

/* Byte offset where a chunk starting at token j begins: after the line of the token before it
 * (so that comments above j go with j), or j itself when j shares that line. */
size_t ra_vhdl__chunk_boundary(const ra_vhdl_chunker *c, size_t j);

/* Adds to `m` the chunks of the unit whose text is bytes [start, end), from the items and cuts
 * recorded since the last call, and forgets them. Returns 0 or RA_ENOMEM. */
int ra_vhdl__chunk_unit(ra_vhdl_chunker *c, ra_model *m, size_t start, size_t end);

#endif /* RA_VHDL_INTERNAL_H */
