/*
 * sv.c - SystemVerilog/Verilog front end: parses with tree-sitter and extracts one ra_model per
 * file, following the mapping documented in sv.h.
 *
 * Design: one iterative pre-order walk of the tree with a TSTreeCursor. Every grammar symbol is
 * mapped once, at parser creation, to a small class number (sv_cls), so the walk dispatches on a
 * table lookup and never compares type strings. A declaration is handled where its node is
 * entered: the handler reads the few children it needs through pooled cursors (reset, never
 * reallocated) and appends symbols and connections. Scopes (units, generate blocks, functions,
 * processes) and declaration owners (typedefs, whose enum and struct members follow) live on a
 * frame stack tied to the walk's depth. Identifiers that are not declared names become
 * references; the rule for that is a table of parent classes and fields. Texts (types, values,
 * actual expressions) are source slices with whitespace folded and a 200-byte cap, built in
 * stack buffers; all arrays are owned by the parser and reused, so a parse allocates only what
 * the model keeps.
 */
#include "indexer/sv.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_systemverilog(void);

/* ---- node classes -------------------------------------------------------------------------- */

/* Named grammar nodes the extractor looks at. Anything else maps to C_NONE. */
#define SV_NAMED(X)                                                                                \
	X(module_declaration)                                                                      \
	X(interface_declaration)                                                                   \
	X(program_declaration)                                                                     \
	X(package_declaration)                                                                     \
	X(class_declaration)                                                                       \
	X(interface_class_declaration)                                                             \
	X(checker_declaration)                                                                     \
	X(udp_declaration)                                                                         \
	X(config_declaration)                                                                      \
	X(module_keyword)                                                                          \
	X(module_ansi_header)                                                                      \
	X(module_nonansi_header)                                                                   \
	X(interface_ansi_header)                                                                   \
	X(interface_nonansi_header)                                                                \
	X(program_ansi_header)                                                                     \
	X(program_nonansi_header)                                                                  \
	X(udp_ansi_declaration)                                                                    \
	X(udp_nonansi_declaration)                                                                 \
	X(list_of_ports)                                                                           \
	X(port)                                                                                    \
	X(ansi_port_declaration)                                                                   \
	X(net_port_header)                                                                         \
	X(variable_port_header)                                                                    \
	X(interface_port_header)                                                                   \
	X(net_port_type)                                                                           \
	X(variable_port_type)                                                                      \
	X(port_direction)                                                                          \
	X(port_declaration)                                                                        \
	X(input_declaration)                                                                       \
	X(output_declaration)                                                                      \
	X(inout_declaration)                                                                       \
	X(ref_declaration)                                                                         \
	X(interface_port_declaration)                                                              \
	X(list_of_port_identifiers)                                                                \
	X(list_of_variable_identifiers)                                                            \
	X(list_of_variable_port_identifiers)                                                       \
	X(list_of_interface_identifiers)                                                           \
	X(unpacked_dimension)                                                                      \
	X(unsized_dimension)                                                                       \
	X(associative_dimension)                                                                   \
	X(queue_dimension)                                                                         \
	X(parameter_declaration)                                                                   \
	X(local_parameter_declaration)                                                             \
	X(parameter_port_declaration)                                                              \
	X(type_parameter_declaration)                                                              \
	X(list_of_param_assignments)                                                               \
	X(param_assignment)                                                                        \
	X(constant_param_expression)                                                               \
	X(list_of_type_assignments)                                                                \
	X(type_assignment)                                                                         \
	X(data_type_or_implicit)                                                                   \
	X(data_type_or_void)                                                                       \
	X(implicit_data_type)                                                                      \
	X(data_type)                                                                               \
	X(enum_base_type)                                                                          \
	X(struct_union)                                                                            \
	X(net_declaration)                                                                         \
	X(net_type)                                                                                \
	X(list_of_net_decl_assignments)                                                            \
	X(net_decl_assignment)                                                                     \
	X(data_declaration)                                                                        \
	X(list_of_variable_decl_assignments)                                                       \
	X(variable_decl_assignment)                                                                \
	X(type_declaration)                                                                        \
	X(enum_name_declaration)                                                                   \
	X(struct_union_member)                                                                     \
	X(function_declaration)                                                                    \
	X(function_body_declaration)                                                               \
	X(task_declaration)                                                                        \
	X(task_body_declaration)                                                                   \
	X(function_prototype)                                                                      \
	X(task_prototype)                                                                          \
	X(class_constructor_declaration)                                                           \
	X(class_constructor_prototype)                                                             \
	X(tf_port_item)                                                                            \
	X(tf_port_direction)                                                                       \
	X(tf_port_declaration)                                                                     \
	X(list_of_tf_variable_identifiers)                                                         \
	X(class_type)                                                                              \
	X(class_property)                                                                          \
	X(module_instantiation)                                                                    \
	X(interface_instantiation)                                                                 \
	X(program_instantiation)                                                                   \
	X(checker_instantiation)                                                                   \
	X(udp_instantiation)                                                                       \
	X(gate_instantiation)                                                                      \
	X(hierarchical_instance)                                                                   \
	X(name_of_instance)                                                                        \
	X(parameter_value_assignment)                                                              \
	X(list_of_parameter_value_assignments)                                                     \
	X(ordered_parameter_assignment)                                                            \
	X(named_parameter_assignment)                                                              \
	X(param_expression)                                                                        \
	X(list_of_port_connections)                                                                \
	X(list_of_checker_port_connections)                                                        \
	X(ordered_port_connection)                                                                 \
	X(named_port_connection)                                                                   \
	X(ordered_checker_port_connection)                                                         \
	X(named_checker_port_connection)                                                           \
	X(attribute_instance)                                                                      \
	X(udp_instance)                                                                            \
	X(loop_generate_construct)                                                                 \
	X(conditional_generate_construct)                                                          \
	X(if_generate_construct)                                                                   \
	X(case_generate_construct)                                                                 \
	X(case_generate_item)                                                                      \
	X(generate_block)                                                                          \
	X(genvar_declaration)                                                                      \
	X(list_of_genvar_identifiers)                                                              \
	X(always_construct)                                                                        \
	X(always_keyword)                                                                          \
	X(initial_construct)                                                                       \
	X(final_construct)                                                                         \
	X(statement)                                                                               \
	X(statement_or_null)                                                                       \
	X(statement_item)                                                                          \
	X(function_statement)                                                                      \
	X(function_statement_or_null)                                                              \
	X(procedural_timing_control_statement)                                                     \
	X(seq_block)                                                                               \
	X(par_block)                                                                               \
	X(modport_declaration)                                                                     \
	X(modport_item)                                                                            \
	X(clocking_declaration)                                                                    \
	X(text_macro_definition)                                                                   \
	X(text_macro_name)                                                                         \
	X(macro_text)                                                                              \
	X(text_macro_usage)                                                                        \
	X(formal_argument)                                                                         \
	X(ifdef_condition)                                                                         \
	X(undefine_compiler_directive)                                                             \
	X(include_compiler_directive)                                                              \
	X(quoted_string)                                                                           \
	X(system_lib_string)                                                                       \
	X(package_import_declaration)                                                              \
	X(package_import_item)                                                                     \
	X(hierarchical_identifier)                                                                 \
	X(net_lvalue)                                                                              \
	X(method_call_body)                                                                        \
	X(constraint_declaration)                                                                  \
	X(for_variable_declaration)                                                                \
	X(attr_spec)                                                                               \
	X(list_of_udp_port_identifiers)                                                            \
	X(udp_output_declaration)                                                                  \
	X(udp_reg_declaration)                                                                     \
	X(covergroup_declaration)                                                                  \
	X(property_declaration)                                                                    \
	X(sequence_declaration)                                                                    \
	X(simple_identifier)                                                                       \
	X(escaped_identifier)

/* Anonymous tokens the extractor looks at: class name, token text. */
#define SV_TOKENS(X)                                                                               \
	X(LPAREN, "(")                                                                             \
	X(COMMA, ",")                                                                              \
	X(EQ, "=")                                                                                 \
	X(BEGIN, "begin")                                                                          \
	X(ENUM, "enum")                                                                            \
	X(PACKED, "packed")                                                                        \
	X(DOTSTAR, ".*")                                                                           \
	X(INTERCONNECT, "interconnect")                                                            \
	X(TYPEDEF, "typedef")                                                                      \
	X(NEW, "new")                                                                              \
	X(CONST, "const")                                                                          \
	X(STAR, "*")

/* clang-format off */
enum {
	C_NONE = 0,
#define SV_ENUM_NAMED(name) C_##name,
	SV_NAMED(SV_ENUM_NAMED)
#undef SV_ENUM_NAMED
#define SV_ENUM_TOKEN(name, text) T_##name,
	SV_TOKENS(SV_ENUM_TOKEN)
#undef SV_ENUM_TOKEN
	C_ERROR, /* tree-sitter's ERROR node */
	C__COUNT
};
/* clang-format on */

static const char *const named_names[] = {
#define SV_NAME_NAMED(name) #name,
        SV_NAMED(SV_NAME_NAMED)
#undef SV_NAME_NAMED
};

static const char *const token_names[] = {
#define SV_NAME_TOKEN(name, text) text,
        SV_TOKENS(SV_NAME_TOKEN)
#undef SV_NAME_TOKEN
};

/* How an identifier that is a direct child of a node of some class is read (ref rules). */
enum {
	IR_REF = 0, /* an identifier use */
	IR_DECL,    /* a declared name, a label or a formal: not a reference */
	IR_FIRST,   /* only the first identifier child is a use (a.b.c, pkg::item) */
	IR_MACRO,   /* a macro name: reference at file level */
};

/* Fields the extractor reads. */
#define SV_FIELDS(X)                                                                               \
	X(name)                                                                                    \
	X(port_name)                                                                               \
	X(instance_name)                                                                           \
	X(instance_type)                                                                           \
	X(type_name)                                                                               \
	X(modport_name)                                                                            \
	X(connection)                                                                              \
	X(value)                                                                                   \
	X(block_name)                                                                              \
	X(c_name)

/* ---- parser -------------------------------------------------------------------------------- */

#define SV_TEXT_MAX 200 /* cap on folded texts, before "..." */
#define SV_POOL 8       /* nesting depth of child iteration in handlers */

typedef struct sv_text {
	char s[SV_TEXT_MAX + 8];
} sv_text;

enum { FR_SCOPE, FR_OWNER, FR_GENCONS, FR_ELSEIF };

/* One entry of the frame stack: a scope or a declaration owner opened by the node at `depth`. */
typedef struct sv_frame {
	uint32_t depth;
	uint8_t kind;      /* FR_* */
	bool nonansi;      /* units: ports come from a non-ANSI header */
	bool is_unit;      /* scopes: a design unit */
	int32_t sym;       /* the symbol; -1 for none */
	uint32_t genblk;   /* scopes: generate constructs seen; constructs: their number */
	const char *gen;   /* constructs: "for" "if" "case" */
	int32_t prev_port; /* units and subroutines: previous port, for inherited direction/type */
	int param_kind;    /* units: kind of the previous parameter port */
} sv_frame;

/* One slot of the non-ANSI port map: (unit, name) -> port symbol. */
typedef struct sv_port_slot {
	uint32_t gen;
	int32_t sym;
} sv_port_slot;

struct ra_sv_parser {
	TSParser *ts;
	const TSLanguage *lang;
	uint8_t *cls;   /* grammar symbol -> C_* */
	uint8_t *irule; /* C_* -> IR_* for identifier children */
	uint32_t nsymbols;
	TSFieldId f_name, f_port_name, f_instance_name, f_instance_type, f_type_name,
	        f_modport_name, f_connection, f_value, f_block_name, f_c_name;

	TSTreeCursor walk;
	TSTreeCursor pool[SV_POOL];
	int npool_made, pool_depth;
	bool walk_made;

	/* per parse */
	ra_model *m;
	const char *src;
	uint32_t len;
	sv_frame *frames;
	size_t nframes, frames_cap;
	uint8_t *dcls;  /* class of the node at each depth of the walk */
	uint32_t *didn; /* identifier children seen so far at each depth */
	size_t dcap;
	uint32_t err_depth;      /* depth of the ERROR node being walked, UINT32_MAX outside */
	uint32_t implicit_depth; /* depth of an implicit `.name` connection being walked */

	sv_port_slot *ports;
	size_t ports_cap, nports;
	uint32_t ports_gen;
};

static void fill_tables(ra_sv_parser *p)
{
	uint32_t n = p->nsymbols;

	for (uint32_t s = 0; s < n; s++) {
		TSSymbolType t = ts_language_symbol_type(p->lang, (TSSymbol)s);
		const char *name = ts_language_symbol_name(p->lang, (TSSymbol)s);

		if (!name)
			continue;
		if (t == TSSymbolTypeRegular) {
			for (size_t i = 0; i < sizeof(named_names) / sizeof(*named_names); i++)
				if (strcmp(name, named_names[i]) == 0)
					p->cls[s] = (uint8_t)(C_NONE + 1 + i);
		} else if (t == TSSymbolTypeAnonymous) {
			for (size_t i = 0; i < sizeof(token_names) / sizeof(*token_names); i++)
				if (strcmp(name, token_names[i]) == 0)
					p->cls[s] = (uint8_t)(T_LPAREN + i);
		}
	}

	static const uint8_t decl[] = {C_param_assignment,
	                               C_net_decl_assignment,
	                               C_enum_name_declaration,
	                               C_modport_item,
	                               C_list_of_port_identifiers,
	                               C_list_of_variable_identifiers,
	                               C_list_of_variable_port_identifiers,
	                               C_list_of_tf_variable_identifiers,
	                               C_list_of_genvar_identifiers,
	                               C_list_of_interface_identifiers,
	                               C_list_of_udp_port_identifiers,
	                               C_port,
	                               C_text_macro_name,
	                               C_formal_argument,
	                               C_named_parameter_assignment,
	                               C_constraint_declaration,
	                               C_for_variable_declaration,
	                               C_seq_block,
	                               C_par_block,
	                               C_attr_spec,
	                               C_udp_nonansi_declaration,
	                               C_udp_ansi_declaration,
	                               C_udp_declaration,
	                               C_udp_output_declaration,
	                               C_udp_reg_declaration,
	                               C_class_property,
	                               C_module_declaration,
	                               C_interface_declaration,
	                               C_program_declaration,
	                               C_package_declaration,
	                               C_class_declaration,
	                               C_interface_class_declaration,
	                               C_checker_declaration,
	                               C_config_declaration,
	                               C_function_body_declaration,
	                               C_task_body_declaration,
	                               C_class_constructor_declaration,
	                               C_generate_block,
	                               C_clocking_declaration,
	                               C_covergroup_declaration,
	                               C_property_declaration,
	                               C_sequence_declaration,
	                               C_interface_port_declaration,
	                               C_modport_item};
	for (size_t i = 0; i < sizeof(decl); i++)
		p->irule[decl[i]] = IR_DECL;
	p->irule[C_hierarchical_identifier] = IR_FIRST;
	p->irule[C_net_lvalue] = IR_FIRST;
	p->irule[C_package_import_item] = IR_FIRST;
	p->irule[C_text_macro_usage] = IR_MACRO;
	p->irule[C_ifdef_condition] = IR_MACRO;
	p->irule[C_undefine_compiler_directive] = IR_MACRO;
	/* interface_port_declaration's first identifier is the interface (a use) */
	p->irule[C_interface_port_declaration] = IR_FIRST;
}

static TSFieldId field_id(const TSLanguage *lang, const char *name)
{
	return ts_language_field_id_for_name(lang, name, (uint32_t)strlen(name));
}

ra_sv_parser *ra_sv_parser_new(void)
{
	ra_sv_parser *p = ra_calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->lang = tree_sitter_systemverilog();
	p->ts = ts_parser_new();
	if (!p->ts || !ts_parser_set_language(p->ts, p->lang)) {
		ra_error_set(RA_ERR, "tree-sitter: cannot load the SystemVerilog grammar (ABI %u)",
		             ts_language_abi_version(p->lang));
		goto out_free;
	}
	p->nsymbols = ts_language_symbol_count(p->lang);
	p->cls = ra_calloc(p->nsymbols, 1);
	p->irule = ra_calloc(C__COUNT, 1);
	if (!p->cls || !p->irule)
		goto out_free;
	fill_tables(p);
#define SV_FIELD_ID(f) p->f_##f = field_id(p->lang, #f);
	SV_FIELDS(SV_FIELD_ID)
#undef SV_FIELD_ID
	p->err_depth = UINT32_MAX;
	p->implicit_depth = UINT32_MAX;
	return p;
out_free:
	ra_sv_parser_free(p);
	return NULL;
}

void ra_sv_parser_free(ra_sv_parser *p)
{
	if (!p)
		return;
	if (p->walk_made)
		ts_tree_cursor_delete(&p->walk);
	for (int i = 0; i < p->npool_made; i++)
		ts_tree_cursor_delete(&p->pool[i]);
	if (p->ts)
		ts_parser_delete(p->ts);
	ra_free(p->cls);
	ra_free(p->irule);
	ra_free(p->frames);
	ra_free(p->dcls);
	ra_free(p->didn);
	ra_free(p->ports);
	ra_free(p);
}

unsigned ra_sv_grammar_abi(void)
{
	return ts_language_abi_version(tree_sitter_systemverilog());
}

/* ---- small helpers ------------------------------------------------------------------------- */

static int cls_of(const ra_sv_parser *p, TSNode n)
{
	TSSymbol s = ts_node_symbol(n);

	return s < p->nsymbols ? p->cls[s] : C_NONE;
}

static bool is_ident_cls(int c)
{
	return c == C_simple_identifier || c == C_escaped_identifier;
}

static bool is_dim_cls(int c)
{
	return c == C_unpacked_dimension || c == C_unsized_dimension ||
	       c == C_associative_dimension || c == C_queue_dimension;
}

static ra_span span_of(TSNode n)
{
	TSPoint a = ts_node_start_point(n), b = ts_node_end_point(n);

	return (ra_span){a.row, a.column, b.row, b.column};
}

static bool is_space(char c, bool macro)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       (macro && c == '\\');
}

/*
 * Folds src[a, b) into t: whitespace runs become one space, the ends are trimmed, and the text is
 * cut at SV_TEXT_MAX bytes (on a UTF-8 boundary) with "..." appended. `macro` also folds the
 * backslashes of line continuations. Returns t->s.
 */
static const char *fold_range(sv_text *t, const char *src, uint32_t a, uint32_t b, bool macro)
{
	size_t n = 0;
	bool space = false;

	for (uint32_t i = a; i < b; i++) {
		char c = src[i];

		if (is_space(c, macro) &&
		    (c != '\\' || i + 1 >= b || src[i + 1] == '\n' || src[i + 1] == '\r')) {
			space = n > 0;
			continue;
		}
		if (n + (space ? 2 : 1) > SV_TEXT_MAX) {
			while (n > 0 && ((unsigned char)t->s[n] & 0xC0) == 0x80)
				n--;
			memcpy(t->s + n, "...", 4);
			return t->s;
		}
		if (space)
			t->s[n++] = ' ';
		space = false;
		t->s[n++] = c;
	}
	t->s[n] = '\0';
	return t->s;
}

static const char *fold_node(ra_sv_parser *p, sv_text *t, TSNode n)
{
	return fold_range(t, p->src, ts_node_start_byte(n), ts_node_end_byte(n), false);
}

/* Pooled child cursors: kids_begin positions one at the first child of n (false if none) and
 * must be paired with kids_end. */
static bool kids_begin(ra_sv_parser *p, TSNode n, TSTreeCursor **out)
{
	TSTreeCursor *c;

	assert(p->pool_depth < SV_POOL);
	c = &p->pool[p->pool_depth];
	if (p->pool_depth == p->npool_made) {
		*c = ts_tree_cursor_new(n);
		p->npool_made++;
	} else {
		ts_tree_cursor_reset(c, n);
	}
	p->pool_depth++;
	*out = c;
	return ts_tree_cursor_goto_first_child(c);
}

static void kids_end(ra_sv_parser *p)
{
	p->pool_depth--;
}

/*
 * Iterates the children of n as `kid` (a TSNode) with `c` the pooled cursor positioned on it.
 * The body may `continue` but never `break` or `return` (the cursor must go back to the pool),
 * except after calling kids_end itself.
 */
#define SV_CAT_(a, b) a##b
#define SV_CAT(a, b) SV_CAT_(a, b)
#define KIDS_FOR(p, n, c, kid)                                                                     \
	KIDS_FOR_(p, n, c, kid, SV_CAT(ok_, __LINE__), SV_CAT(once_, __LINE__))
#define KIDS_FOR_(p, n, c, kid, ok, once)                                                          \
	for (bool ok = kids_begin(p, n, &c); ok || (kids_end(p), 0);                               \
	     ok = ts_tree_cursor_goto_next_sibling(c))                                             \
		for (TSNode kid = ts_tree_cursor_current_node(c), *once = &kid; once; once = NULL)

/* First direct child of class `want` (or field `field` when non-zero); null node if none. */
static TSNode kid_find(ra_sv_parser *p, TSNode n, int want, TSFieldId field)
{
	TSTreeCursor *c;
	TSNode found = {0};

	KIDS_FOR(p, n, c, k)
	{
		if (ts_node_is_null(found) &&
		    (field ? ts_tree_cursor_current_field_id(c) == field : cls_of(p, k) == want))
			found = k;
	}
	return found;
}

static TSNode first_ident(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	TSNode found = {0};

	KIDS_FOR(p, n, c, k)
	{
		if (ts_node_is_null(found) && is_ident_cls(cls_of(p, k)))
			found = k;
	}
	return found;
}

/* ---- frames -------------------------------------------------------------------------------- */

static int push_frame(ra_sv_parser *p, uint32_t depth, uint8_t kind, int32_t sym)
{
	sv_frame *f;

	if (ra_grow((void **)&p->frames, &p->frames_cap, p->nframes + 1, sizeof(*p->frames)))
		return RA_ENOMEM;
	f = &p->frames[p->nframes++];
	memset(f, 0, sizeof(*f));
	f->depth = depth;
	f->kind = kind;
	f->sym = sym;
	f->prev_port = -1;
	f->param_kind = RA_SYM_PARAM;
	return RA_OK;
}

/* innermost scope frame, or NULL at file level */
static sv_frame *scope_frame(ra_sv_parser *p)
{
	for (size_t i = p->nframes; i-- > 0;)
		if (p->frames[i].kind == FR_SCOPE)
			return &p->frames[i];
	return NULL;
}

static int32_t scope_sym(ra_sv_parser *p)
{
	sv_frame *f = scope_frame(p);

	return f ? f->sym : -1;
}

/* innermost scope or owner symbol: the parent of members */
static int32_t owner_sym(ra_sv_parser *p)
{
	for (size_t i = p->nframes; i-- > 0;)
		if (p->frames[i].kind == FR_SCOPE || p->frames[i].kind == FR_OWNER)
			return p->frames[i].sym;
	return -1;
}

/* ---- model appenders ----------------------------------------------------------------------- */

typedef struct sv_decl {
	ra_sym_kind kind;
	int32_t parent;
	TSNode name;        /* null node: name_s and the whole span's start are used */
	const char *name_s; /* overrides the name node's text */
	TSNode whole;
	const char *type, *dir, *dims, *value;
	uint32_t flags;
} sv_decl;

static int32_t add_decl(ra_sv_parser *p, const sv_decl *d)
{
	sv_text nt;
	ra_sym s = {0};

	s.kind = d->kind;
	s.parent = d->parent;
	s.span = span_of(d->whole);
	if (!ts_node_is_null(d->name)) {
		s.name_span = span_of(d->name);
		s.name = d->name_s ? d->name_s : fold_node(p, &nt, d->name);
	} else {
		s.name_span = (ra_span){s.span.line, s.span.col, s.span.line, s.span.col};
		s.name = d->name_s ? d->name_s : "";
	}
	s.type = d->type;
	s.dir = d->dir;
	s.dims = d->dims;
	s.value = d->value;
	s.flags = d->flags;
	return ra_model_add_sym(p->m, &s);
}

/* text of the dimension nodes in [a, b) (byte range), or NULL when a == b */
static const char *dims_text(ra_sv_parser *p, sv_text *t, uint32_t a, uint32_t b)
{
	return a < b ? fold_range(t, p->src, a, b, false) : NULL;
}

/* sets a model string field from a folded text (NULL stays NULL); false on OOM */
static bool set_str(ra_sv_parser *p, const char **field, const char *text)
{
	if (!text) {
		*field = NULL;
		return true;
	}
	*field = ra_model_str(p->m, text, strlen(text));
	return *field != NULL;
}

/* ---- types --------------------------------------------------------------------------------- */

/*
 * Text of a data type as the model records it: enums and structs are summarised by their base
 * ("enum logic [1:0]", "struct packed"), anything else is its source text.
 */
static const char *type_text(ra_sv_parser *p, sv_text *t, TSNode n)
{
	TSTreeCursor *c;
	int first = -1;
	bool packed = false;
	TSNode base = {0}, su = {0};

	if (ts_node_is_null(n))
		return NULL;
	if (cls_of(p, n) != C_data_type) {
		TSNode dt = kid_find(p, n, C_data_type, 0);

		if (ts_node_is_null(dt) || ts_node_start_byte(dt) != ts_node_start_byte(n))
			return fold_node(p, t, n);
		n = dt;
	}
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (first < 0)
			first = kc;
		if (kc == C_enum_base_type)
			base = k;
		else if (kc == C_struct_union)
			su = k;
		else if (kc == T_PACKED)
			packed = true;
	}
	if (first == T_ENUM) {
		if (ts_node_is_null(base))
			return strcpy(t->s, "enum");
		fold_node(p, t, base);
		if (strlen(t->s) + 6 > SV_TEXT_MAX)
			return t->s;
		memmove(t->s + 5, t->s, strlen(t->s) + 1);
		memcpy(t->s, "enum ", 5);
		return t->s;
	}
	if (first == C_struct_union) {
		fold_node(p, t, su);
		if (packed)
			strcat(t->s, " packed");
		return t->s;
	}
	return fold_node(p, t, n);
}

/* ---- non-ANSI port map --------------------------------------------------------------------- */

static uint32_t name_hash(int32_t unit, const char *s)
{
	uint32_t h = 2166136261u ^ (uint32_t)unit;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int32_t port_find(ra_sv_parser *p, int32_t unit, const char *name)
{
	size_t mask = p->ports_cap - 1;

	if (!p->ports_cap)
		return -1;
	for (size_t i = name_hash(unit, name) & mask;; i = (i + 1) & mask) {
		sv_port_slot *s = &p->ports[i];

		if (s->gen != p->ports_gen)
			return -1;
		if (p->m->syms[s->sym].parent == unit && strcmp(p->m->syms[s->sym].name, name) == 0)
			return s->sym;
	}
}

static int port_put(ra_sv_parser *p, int32_t unit, int32_t sym)
{
	size_t mask;

	if ((p->nports + 1) * 2 > p->ports_cap) {
		size_t cap = p->ports_cap ? p->ports_cap * 2 : 64;
		sv_port_slot *old = p->ports, *slots = ra_calloc(cap, sizeof(*slots));
		size_t oldcap = p->ports_cap;

		if (!slots)
			return RA_ENOMEM;
		p->ports = slots;
		p->ports_cap = cap;
		p->nports = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].gen == p->ports_gen)
				port_put(p, p->m->syms[old[i].sym].parent, old[i].sym);
		ra_free(old);
	}
	mask = p->ports_cap - 1;
	for (size_t i = name_hash(unit, p->m->syms[sym].name) & mask;; i = (i + 1) & mask) {
		if (p->ports[i].gen != p->ports_gen) {
			p->ports[i] = (sv_port_slot){p->ports_gen, sym};
			p->nports++;
			return RA_OK;
		}
	}
}

/* The non-ANSI unit whose body a declaration at the current point belongs to, or NULL. */
static sv_frame *nonansi_unit(ra_sv_parser *p)
{
	sv_frame *f = scope_frame(p);

	return f && f->is_unit && f->nonansi ? f : NULL;
}

/* When `name` is a port of a non-ANSI unit, returns the port symbol: a body declaration then
 * completes the port instead of declaring a new object. */
static int32_t nonansi_port(ra_sv_parser *p, TSNode name)
{
	sv_frame *u = nonansi_unit(p);
	sv_text nt;

	if (!u)
		return -1;
	return port_find(p, u->sym, fold_node(p, &nt, name));
}

/* a port type that says nothing beyond packed dims or signing (`output [3:0] q;`) */
static bool type_is_implicit(const char *t)
{
	return !t || t[0] == '[' || strncmp(t, "signed", 6) == 0 || strncmp(t, "unsigned", 8) == 0;
}

/* completes non-ANSI port `sym` with a body declaration of type `type` */
static int merge_port_type(ra_sv_parser *p, int32_t sym, const char *type)
{
	ra_sym *s = &p->m->syms[sym];
	char buf[2 * SV_TEXT_MAX + 8];

	if (!type || (s->type && !type_is_implicit(s->type)))
		return RA_OK;
	if (s->type && type_is_implicit(type)) /* both implicit: keep the port's */
		return RA_OK;
	if (s->type && strchr(type, '[') == NULL) {
		/* `output [3:0] q; reg q;` is not legal, but `output signed [3:0] q; reg q;` reads
		 * naturally as "reg signed [3:0]" */
		snprintf(buf, sizeof(buf), "%s %s", type, s->type);
		type = buf;
	}
	return set_str(p, &s->type, type) ? RA_OK : RA_ENOMEM;
}

/* ---- declarations -------------------------------------------------------------------------- */

static ra_sym_kind unit_kind(int c)
{
	switch (c) {
	case C_interface_declaration:
		return RA_SYM_INTERFACE;
	case C_program_declaration:
		return RA_SYM_PROGRAM;
	case C_package_declaration:
		return RA_SYM_PACKAGE;
	case C_class_declaration:
	case C_interface_class_declaration:
		return RA_SYM_CLASS;
	case C_checker_declaration:
		return RA_SYM_CHECKER;
	case C_udp_declaration:
		return RA_SYM_PRIMITIVE;
	case C_config_declaration:
		return RA_SYM_CONFIG;
	default:
		return RA_SYM_MODULE;
	}
}

static int on_unit(ra_sv_parser *p, TSNode n, int c, uint32_t depth)
{
	TSTreeCursor *cur;
	sv_decl d = {.whole = n, .parent = scope_sym(p)};
	TSNode name = {0}, ext = {0};
	bool nonansi = false;
	sv_text tt;
	int32_t idx;
	int rc;

	d.kind = unit_kind(c);
	KIDS_FOR(p, n, cur, k)
	{
		int kc = cls_of(p, k);

		if (ts_tree_cursor_current_field_id(cur) == p->f_name && ts_node_is_null(name))
			name = k;
		else if (kc == C_module_nonansi_header || kc == C_interface_nonansi_header ||
		         kc == C_program_nonansi_header || kc == C_udp_nonansi_declaration) {
			nonansi = true;
			if (ts_node_is_null(name))
				name = kid_find(p, k, 0, p->f_name);
			if (ts_node_is_null(name))
				name = first_ident(p, k);
		} else if (kc == C_module_ansi_header || kc == C_interface_ansi_header ||
		           kc == C_program_ansi_header || kc == C_udp_ansi_declaration) {
			if (ts_node_is_null(name))
				name = kid_find(p, k, 0, p->f_name);
			if (ts_node_is_null(name))
				name = first_ident(p, k);
		} else if (kc == C_class_type && ts_node_is_null(ext)) {
			ext = k;
		} else if (is_ident_cls(kc) && ts_node_is_null(name) && c == C_udp_declaration) {
			name = k;
		}
	}
	d.name = name;
	if (!ts_node_is_null(ext))
		d.type = fold_node(p, &tt, ext);
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	rc = push_frame(p, depth, FR_SCOPE, idx);
	if (rc)
		return rc;
	p->frames[p->nframes - 1].is_unit = true;
	p->frames[p->nframes - 1].nonansi = nonansi;
	return RA_OK;
}

/* `port` of a non-ANSI header: a name without direction, completed by the body */
static int on_header_port(ra_sv_parser *p, TSNode n)
{
	sv_frame *u = scope_frame(p);
	TSNode name = first_ident(p, n);
	sv_decl d = {.kind = RA_SYM_PORT, .whole = n, .name = name};
	int32_t idx;

	if (!u || ts_node_is_null(name))
		return RA_OK; /* `port` outside a unit only in broken code; empty port `()` */
	d.parent = u->sym;
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return port_put(p, u->sym, idx);
}

/* ANSI port declaration; direction and type are inherited from the previous port when absent */
static int on_ansi_port(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c, *c2;
	sv_frame *u = scope_frame(p);
	sv_decl d = {.kind = RA_SYM_PORT, .whole = n, .flags = RA_SYMF_ANSI};
	sv_text tt, vt;
	uint32_t da = 0, db = 0;
	bool header = false, eq = false;
	TSNode value = {0};
	int32_t idx;

	if (!u || !u->is_unit)
		return RA_OK;
	d.parent = u->sym;
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (ts_tree_cursor_current_field_id(c) == p->f_port_name) {
			d.name = k;
		} else if (kc == C_net_port_header || kc == C_variable_port_header) {
			header = true;
			KIDS_FOR(p, k, c2, h)
			{
				int hc = cls_of(p, h);

				if (hc == C_port_direction)
					d.dir = fold_node(p, &vt, h);
				else if (hc == C_net_port_type || hc == C_variable_port_type)
					d.type = fold_node(p, &tt, h);
			}
		} else if (kc == C_interface_port_header) {
			header = true;
			d.dir = "interface";
			d.type = fold_node(p, &tt, k);
		} else if (kc == C_port_direction) {
			header = true;
			d.dir = fold_node(p, &vt, k);
		} else if (is_dim_cls(kc)) {
			if (!da)
				da = ts_node_start_byte(k);
			db = ts_node_end_byte(k);
		} else if (kc == T_EQ) {
			eq = true;
		} else if (eq && ts_node_is_named(k) && ts_node_is_null(value)) {
			value = k;
		}
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	if (u->prev_port >= 0) {
		const ra_sym *prev = &p->m->syms[u->prev_port];

		if (!header) {
			d.dir = prev->dir;
			d.type = prev->type;
		} else if (!d.dir && prev->dir && strcmp(prev->dir, "interface") != 0) {
			d.dir = prev->dir;
		}
	}
	if (!d.dir)
		d.dir = "inout";
	{
		sv_text dims, val;

		d.dims = dims_text(p, &dims, da, db);
		d.value = ts_node_is_null(value) ? NULL : fold_node(p, &val, value);
		idx = add_decl(p, &d);
	}
	if (idx < 0)
		return idx;
	u->prev_port = idx;
	return RA_OK;
}

/* input/output/inout/ref declaration in a non-ANSI body (or a task/function body) */
static int on_port_decl(ra_sv_parser *p, TSNode n, int c)
{
	TSTreeCursor *cur, *c2;
	sv_frame *u = scope_frame(p);
	const char *dir = c == C_input_declaration    ? "input"
	                  : c == C_output_declaration ? "output"
	                  : c == C_inout_declaration  ? "inout"
	                                              : "ref";
	sv_text tt;
	const char *type = NULL;

	if (!u || !u->is_unit)
		return RA_OK;
	KIDS_FOR(p, n, cur, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_net_port_type || kc == C_variable_port_type) {
			type = fold_node(p, &tt, k);
		} else if (kc == C_list_of_port_identifiers ||
		           kc == C_list_of_variable_identifiers ||
		           kc == C_list_of_variable_port_identifiers) {
			TSNode name = {0};
			uint32_t da = 0, db = 0;
			bool eq = false;
			TSNode value = {0};

			/* identifiers, each followed by its dims and an optional `= value` */
			for (bool more = kids_begin(p, k, &c2);;
			     more = ts_tree_cursor_goto_next_sibling(c2)) {
				TSNode e = more ? ts_tree_cursor_current_node(c2) : (TSNode){0};
				int ec = more ? cls_of(p, e) : C_NONE;

				if (!more || is_ident_cls(ec)) {
					if (!ts_node_is_null(name)) {
						sv_text dims, val, nt;
						const char *nm = fold_node(p, &nt, name);
						int32_t idx = port_find(p, u->sym, nm);
						ra_sym *s;

						if (idx < 0) {
							sv_decl d = {.kind = RA_SYM_PORT,
							             .parent = u->sym,
							             .name = name,
							             .whole = n};

							idx = add_decl(p, &d);
							if (idx < 0 || (u->nonansi &&
							                port_put(p, u->sym, idx)))
								goto oom;
						}
						s = &p->m->syms[idx];
						s->span = span_of(n);
						if (!set_str(p, &s->dir, dir) ||
						    !set_str(p, &s->dims,
						             dims_text(p, &dims, da, db)) ||
						    !set_str(p, &s->value,
						             ts_node_is_null(value)
						                     ? NULL
						                     : fold_node(p, &val, value)))
							goto oom;
						if (type && merge_port_type(p, idx, type))
							goto oom;
					}
					if (!more)
						break;
					name = e;
					da = db = 0;
					eq = false;
					value = (TSNode){0};
				} else if (is_dim_cls(ec)) {
					if (!da)
						da = ts_node_start_byte(e);
					db = ts_node_end_byte(e);
				} else if (ec == T_EQ) {
					eq = true;
				} else if (eq && ts_node_is_named(e)) {
					value = e;
				}
			}
			kids_end(p);
		}
	}
	return RA_OK;
oom:
	kids_end(p);
	kids_end(p);
	return RA_ENOMEM;
}

/* interface ports of a non-ANSI header: `bus_if.slave b;` */
static int on_iface_port_decl(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	sv_frame *u = scope_frame(p);
	uint32_t ta = 0, tb = 0;
	bool in_list = false;
	sv_text tt;
	const char *type;
	TSNode list = {0};

	if (!u || !u->is_unit)
		return RA_OK;
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_list_of_interface_identifiers) {
			list = k;
			in_list = true;
		} else if (!in_list && ts_node_type(k)[0] != '(' && kc != C_attribute_instance) {
			if (!ta)
				ta = ts_node_start_byte(k);
			tb = ts_node_end_byte(k);
		}
	}
	if (ts_node_is_null(list))
		return RA_OK;
	type = fold_range(&tt, p->src, ta, tb, false);
	KIDS_FOR(p, list, c, k)
	{
		if (is_ident_cls(cls_of(p, k))) {
			sv_text nt;
			int32_t idx = port_find(p, u->sym, fold_node(p, &nt, k));

			if (idx < 0) {
				sv_decl d = {.kind = RA_SYM_PORT,
				             .parent = u->sym,
				             .name = k,
				             .whole = n};

				idx = add_decl(p, &d);
				if (idx < 0) {
					kids_end(p);
					return idx;
				}
			}
			if (!set_str(p, &p->m->syms[idx].dir, "interface") ||
			    !set_str(p, &p->m->syms[idx].type, type)) {
				kids_end(p);
				return RA_ENOMEM;
			}
		}
	}
	return RA_OK;
}

/* the parameters of one list_of_param_assignments or list_of_type_assignments */
static int emit_param_list(ra_sv_parser *p, TSNode list, ra_sym_kind kind, const char *type,
                           TSNode whole)
{
	TSTreeCursor *c, *c2;
	int32_t parent = scope_sym(p);

	KIDS_FOR(p, list, c, k)
	{
		int kc = cls_of(p, k);
		sv_decl d = {.kind = kind, .parent = parent, .whole = whole, .type = type};
		sv_text dims, val;
		uint32_t da = 0, db = 0;
		TSNode value = {0};

		if (kc == C_param_assignment) {
			KIDS_FOR(p, k, c2, e)
			{
				int ec = cls_of(p, e);

				if (is_ident_cls(ec) && ts_node_is_null(d.name))
					d.name = e;
				else if (ec == C_text_macro_usage && ts_node_is_null(d.name))
					d.name = e;
				else if (is_dim_cls(ec)) {
					if (!da)
						da = ts_node_start_byte(e);
					db = ts_node_end_byte(e);
				} else if (ec == C_constant_param_expression)
					value = e;
			}
		} else if (kc == C_type_assignment) {
			d.type = "type";
			KIDS_FOR(p, k, c2, e)
			{
				TSFieldId f = ts_tree_cursor_current_field_id(c2);

				if (f == p->f_name)
					d.name = e;
				else if (f == p->f_value)
					value = e;
			}
		} else {
			continue;
		}
		if (ts_node_is_null(d.name))
			continue;
		d.dims = dims_text(p, &dims, da, db);
		d.value = ts_node_is_null(value) ? NULL : fold_node(p, &val, value);
		if (add_decl(p, &d) < 0) {
			kids_end(p);
			return RA_ENOMEM;
		}
	}
	return RA_OK;
}

/* parameter_declaration, local_parameter_declaration, or a parameter_port_declaration that
 * continues the previous one (`#(parameter A = 1, B = 2)`) */
static int on_params(ra_sv_parser *p, TSNode n, int c)
{
	TSTreeCursor *cur;
	sv_frame *u = scope_frame(p);
	ra_sym_kind kind = c == C_local_parameter_declaration ? RA_SYM_LOCALPARAM : RA_SYM_PARAM;
	sv_text tt;
	const char *type = NULL;
	int rc = RA_OK;

	if (c == C_parameter_port_declaration) {
		if (!ts_node_is_null(kid_find(p, n, C_parameter_declaration, 0)) ||
		    !ts_node_is_null(kid_find(p, n, C_local_parameter_declaration, 0)))
			return RA_OK; /* the nested declaration is handled on its own */
		kind = u ? (ra_sym_kind)u->param_kind : RA_SYM_PARAM;
	} else if (u) {
		u->param_kind = (int)kind;
	}
	KIDS_FOR(p, n, cur, k)
	{
		int kc = cls_of(p, k);

		if (rc)
			continue;
		if (kc == C_data_type_or_implicit || kc == C_data_type)
			type = type_text(p, &tt, k);
		else if (kc == C_list_of_param_assignments)
			rc = emit_param_list(p, k, kind, type, n);
		else if (kc == C_type_parameter_declaration) {
			TSNode list = kid_find(p, k, C_list_of_type_assignments, 0);

			if (!ts_node_is_null(list))
				rc = emit_param_list(p, list, kind, "type", n);
		} else if (kc == C_list_of_type_assignments)
			rc = emit_param_list(p, k, kind, "type", n);
	}
	return rc;
}

/* one declarator (variable_decl_assignment / net_decl_assignment): name, dims, `= value` */
typedef struct sv_declarator {
	TSNode name, value;
	uint32_t da, db;
} sv_declarator;

static void read_declarator(ra_sv_parser *p, TSNode n, sv_declarator *out)
{
	TSTreeCursor *c;
	bool eq = false;

	memset(out, 0, sizeof(*out));
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (is_ident_cls(kc) && ts_node_is_null(out->name) && !eq)
			out->name = k;
		else if (is_dim_cls(kc)) {
			if (!out->da)
				out->da = ts_node_start_byte(k);
			out->db = ts_node_end_byte(k);
		} else if (kc == T_EQ)
			eq = true;
		else if (eq && ts_node_is_named(k) && ts_node_is_null(out->value))
			out->value = k;
	}
}

/*
 * Emits the declarators of `list` as `kind` symbols of type `type`; ports of a non-ANSI unit are
 * completed instead. The first new symbol becomes the owner of anonymous enum/struct members.
 */
static int emit_declarators(ra_sv_parser *p, TSNode list, int want, ra_sym_kind kind,
                            const char *type, TSNode whole, int32_t parent, int32_t *first)
{
	TSTreeCursor *c;

	KIDS_FOR(p, list, c, k)
	{
		sv_declarator dc;
		int32_t idx;

		if (cls_of(p, k) != want)
			continue;
		read_declarator(p, k, &dc);
		if (ts_node_is_null(dc.name))
			continue;
		idx = kind == RA_SYM_STRUCT_MEMBER ? -1 : nonansi_port(p, dc.name);
		if (idx >= 0) {
			if (merge_port_type(p, idx, type)) {
				kids_end(p);
				return RA_ENOMEM;
			}
		} else {
			sv_text dims, val;
			sv_decl d = {.kind = kind,
			             .parent = parent,
			             .name = dc.name,
			             .whole = whole,
			             .type = type};

			d.dims = dims_text(p, &dims, dc.da, dc.db);
			d.value = ts_node_is_null(dc.value) ? NULL : fold_node(p, &val, dc.value);
			idx = add_decl(p, &d);
			if (idx < 0) {
				kids_end(p);
				return idx;
			}
			if (*first < 0)
				*first = idx;
		}
	}
	return RA_OK;
}

static int on_data_decl(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	sv_text tt;
	const char *type = NULL;
	TSNode list = {0};
	int32_t first = -1;
	int rc;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_data_type_or_implicit || kc == C_data_type)
			type = type_text(p, &tt, k);
		else if (kc == C_list_of_variable_decl_assignments)
			list = k;
	}
	if (ts_node_is_null(list))
		return RA_OK; /* typedef, import, nettype: handled by their own nodes */
	rc = emit_declarators(p, list, C_variable_decl_assignment, RA_SYM_VAR, type, n,
	                      scope_sym(p), &first);
	if (!rc && first >= 0)
		rc = push_frame(p, depth, FR_OWNER, first);
	return rc;
}

static int on_net_decl(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	sv_text tt;
	const char *type = NULL;
	ra_sym_kind kind = RA_SYM_NET;
	TSNode list = {0};
	uint32_t ta = 0, tb = 0;
	int32_t first = -1;
	int rc;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_net_type || kc == C_data_type_or_implicit) {
			if (!ta)
				ta = ts_node_start_byte(k);
			tb = ts_node_end_byte(k);
		} else if (kc == T_INTERCONNECT) {
			type = "interconnect";
		} else if (is_ident_cls(kc) && !ta && !type) {
			/* `state_e s;` reads as a user nettype here, but in practice it is a
			 * variable of a typedef'd type */
			kind = RA_SYM_VAR;
			ta = ts_node_start_byte(k);
			tb = ts_node_end_byte(k);
		} else if (kc == C_list_of_net_decl_assignments) {
			list = k;
		}
	}
	if (ta)
		type = fold_range(&tt, p->src, ta, tb, false);
	if (ts_node_is_null(list))
		return RA_OK;
	rc = emit_declarators(p, list, C_net_decl_assignment, kind, type, n, scope_sym(p), &first);
	if (!rc && first >= 0)
		rc = push_frame(p, depth, FR_OWNER, first);
	return rc;
}

static int on_typedef(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	sv_decl d = {.kind = RA_SYM_TYPEDEF, .whole = n, .parent = scope_sym(p)};
	sv_text tt, dims;
	uint32_t da = 0, db = 0, after_kw = 0;
	int32_t idx;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (ts_tree_cursor_current_field_id(c) == p->f_type_name)
			d.name = k;
		else if (kc == C_data_type && !d.type)
			d.type = type_text(p, &tt, k);
		else if (kc == T_TYPEDEF)
			after_kw = ts_node_end_byte(k);
		else if (is_dim_cls(kc) && !ts_node_is_null(d.name)) {
			if (!da)
				da = ts_node_start_byte(k);
			db = ts_node_end_byte(k);
		}
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	if (!d.type && after_kw && after_kw < ts_node_start_byte(d.name)) {
		d.type = fold_range(&tt, p->src, after_kw, ts_node_start_byte(d.name), false);
		if (!d.type[0])
			d.type = NULL;
	}
	d.dims = dims_text(p, &dims, da, db);
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return push_frame(p, depth, FR_OWNER, idx);
}

static int on_enum_member(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	sv_decl d = {.kind = RA_SYM_ENUM_MEMBER, .whole = n, .parent = owner_sym(p)};
	sv_text dims, val;
	uint32_t da = 0, db = 0;
	bool eq = false;
	TSNode value = {0};

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (is_ident_cls(kc) && ts_node_is_null(d.name))
			d.name = k;
		else if (kc == T_EQ)
			eq = true;
		else if (eq && ts_node_is_named(k))
			value = k;
		else if (!eq && !ts_node_is_null(d.name) && ts_node_end_byte(k) > 0) {
			if (!da)
				da = ts_node_start_byte(k);
			db = ts_node_end_byte(k);
		}
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	d.dims = dims_text(p, &dims, da, db);
	d.value = ts_node_is_null(value) ? NULL : fold_node(p, &val, value);
	return add_decl(p, &d) < 0 ? RA_ENOMEM : RA_OK;
}

static int on_struct_member(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	sv_text tt;
	const char *type = NULL;
	TSNode list = {0};
	int32_t first = -1;
	int rc;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_data_type_or_void)
			type = type_text(p, &tt, k);
		else if (kc == C_list_of_variable_decl_assignments)
			list = k;
	}
	if (ts_node_is_null(list))
		return RA_OK;
	rc = emit_declarators(p, list, C_variable_decl_assignment, RA_SYM_STRUCT_MEMBER, type, n,
	                      owner_sym(p), &first);
	if (!rc && first >= 0)
		rc = push_frame(p, depth, FR_OWNER, first);
	return rc;
}

/* class property `const int X = 1;` (other properties are data declarations) */
static int on_const_property(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	sv_decl d = {.kind = RA_SYM_VAR, .whole = n, .parent = scope_sym(p)};
	sv_text tt, val;
	bool eq = false;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_data_type && !d.type)
			d.type = type_text(p, &tt, k);
		else if (is_ident_cls(kc) && ts_node_is_null(d.name))
			d.name = k;
		else if (kc == T_EQ)
			eq = true;
		else if (eq && ts_node_is_named(k) && !d.value)
			d.value = fold_node(p, &val, k);
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	return add_decl(p, &d) < 0 ? RA_ENOMEM : RA_OK;
}

static int on_genvars(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	TSNode list = kid_find(p, n, C_list_of_genvar_identifiers, 0);
	int32_t parent = scope_sym(p);

	if (ts_node_is_null(list))
		return RA_OK;
	KIDS_FOR(p, list, c, k)
	{
		sv_decl d = {.kind = RA_SYM_VAR,
		             .parent = parent,
		             .name = k,
		             .whole = n,
		             .type = "genvar"};

		if (is_ident_cls(cls_of(p, k)) && add_decl(p, &d) < 0) {
			kids_end(p);
			return RA_ENOMEM;
		}
	}
	return RA_OK;
}

/* function/task (declaration or prototype) and class constructors; opens a scope */
static int on_subroutine(ra_sv_parser *p, TSNode n, int c, uint32_t depth)
{
	TSTreeCursor *cur;
	bool task = c == C_task_declaration || c == C_task_prototype;
	sv_decl d = {
	        .kind = task ? RA_SYM_TASK : RA_SYM_FUNCTION, .whole = n, .parent = scope_sym(p)};
	TSNode body = n;
	sv_text tt;
	int32_t idx;

	if (c == C_function_declaration || c == C_task_declaration) {
		body = kid_find(p, n, task ? C_task_body_declaration : C_function_body_declaration,
		                0);
		if (ts_node_is_null(body))
			return RA_OK;
	}
	KIDS_FOR(p, body, cur, k)
	{
		int kc = cls_of(p, k);

		if (ts_tree_cursor_current_field_id(cur) == p->f_name && ts_node_is_null(d.name))
			d.name = k;
		else if ((kc == C_data_type_or_void || kc == C_implicit_data_type ||
		          kc == C_data_type) &&
		         !d.type)
			d.type = type_text(p, &tt, k);
		else if (kc == T_NEW && ts_node_is_null(d.name)) {
			d.name = k;
			d.name_s = "new";
		}
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return push_frame(p, depth, FR_SCOPE, idx);
}

/* true when f is the scope of a function or task (whose arguments are ports) */
static bool is_subroutine(ra_sv_parser *p, const sv_frame *f)
{
	return f && f->sym >= 0 &&
	       (p->m->syms[f->sym].kind == RA_SYM_FUNCTION ||
	        p->m->syms[f->sym].kind == RA_SYM_TASK);
}

/* an argument of a function or task: a port of the subroutine */
static int on_tf_port(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	sv_frame *f = scope_frame(p);
	sv_decl d = {.kind = RA_SYM_PORT, .whole = n, .flags = RA_SYMF_ANSI};
	sv_text tt, dir, dims, val;
	uint32_t da = 0, db = 0;
	bool eq = false;
	TSNode value = {0};
	int32_t idx;

	if (!is_subroutine(p, f))
		return RA_OK;
	d.parent = f->sym;
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (ts_tree_cursor_current_field_id(c) == p->f_name)
			d.name = k;
		else if (kc == C_tf_port_direction)
			d.dir = fold_node(p, &dir, k);
		else if (kc == C_data_type_or_implicit && !d.type)
			d.type = type_text(p, &tt, k);
		else if (is_dim_cls(kc)) {
			if (!da)
				da = ts_node_start_byte(k);
			db = ts_node_end_byte(k);
		} else if (kc == T_EQ)
			eq = true;
		else if (eq && ts_node_is_named(k))
			value = k;
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	if (!d.dir)
		d.dir = f->prev_port >= 0 ? p->m->syms[f->prev_port].dir : "input";
	d.dims = dims_text(p, &dims, da, db);
	d.value = ts_node_is_null(value) ? NULL : fold_node(p, &val, value);
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	f->prev_port = idx;
	return RA_OK;
}

/* old-style subroutine argument: `input int a, b;` in a function body */
static int on_tf_port_decl(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	sv_frame *f = scope_frame(p);
	sv_text tt, dir;
	const char *type = NULL, *d_s = "input";
	TSNode list = {0};

	if (!is_subroutine(p, f))
		return RA_OK;
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == C_tf_port_direction)
			d_s = fold_node(p, &dir, k);
		else if (kc == C_data_type_or_implicit)
			type = type_text(p, &tt, k);
		else if (kc == C_list_of_tf_variable_identifiers)
			list = k;
	}
	if (ts_node_is_null(list))
		return RA_OK;
	KIDS_FOR(p, list, c, k)
	{
		sv_decl d = {.kind = RA_SYM_PORT,
		             .parent = f->sym,
		             .name = k,
		             .whole = n,
		             .type = type,
		             .dir = d_s};

		if (is_ident_cls(cls_of(p, k)) && add_decl(p, &d) < 0) {
			kids_end(p);
			return RA_ENOMEM;
		}
	}
	return RA_OK;
}

static int on_modports(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	int32_t parent = scope_sym(p);

	KIDS_FOR(p, n, c, k)
	{
		if (cls_of(p, k) == C_modport_item) {
			sv_decl d = {.kind = RA_SYM_MODPORT,
			             .parent = parent,
			             .whole = k,
			             .name = first_ident(p, k)};

			if (!ts_node_is_null(d.name) && add_decl(p, &d) < 0) {
				kids_end(p);
				return RA_ENOMEM;
			}
		}
	}
	return RA_OK;
}

static int on_clocking(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	sv_decl d = {.kind = RA_SYM_CLOCKING, .whole = n, .parent = scope_sym(p)};
	int32_t idx;

	d.name = kid_find(p, n, 0, p->f_name);
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return push_frame(p, depth, FR_SCOPE, idx);
}

/* ---- processes and generate scopes --------------------------------------------------------- */

/* the label of a process: `always_ff @(...) begin : name`, `initial name: begin` */
static TSNode process_label(ra_sv_parser *p, TSNode n)
{
	for (int guard = 0; guard < 16 && !ts_node_is_null(n); guard++) {
		int c = cls_of(p, n);
		uint32_t nk = ts_node_named_child_count(n);

		if (c == C_seq_block || c == C_par_block)
			return first_ident(p, n);
		if (c == C_statement) {
			TSNode label = kid_find(p, n, 0, p->f_block_name);

			if (!ts_node_is_null(label))
				return label;
		}
		if (c == C_procedural_timing_control_statement)
			n = nk ? ts_node_named_child(n, nk - 1) : (TSNode){0};
		else if (c == C_statement || c == C_statement_or_null || c == C_statement_item ||
		         c == C_function_statement || c == C_function_statement_or_null ||
		         c == C_always_construct || c == C_initial_construct ||
		         c == C_final_construct)
			n = nk ? ts_node_named_child(n, c == C_always_construct && nk > 1 ? 1 : 0)
			       : (TSNode){0};
		else
			break;
	}
	return (TSNode){0};
}

static int on_process(ra_sv_parser *p, TSNode n, int c, uint32_t depth)
{
	sv_decl d = {.kind = RA_SYM_PROCESS, .whole = n, .parent = scope_sym(p)};
	sv_text tt;
	int32_t idx;

	if (c == C_always_construct) {
		TSNode kw = kid_find(p, n, C_always_keyword, 0);

		d.type = ts_node_is_null(kw) ? "always" : fold_node(p, &tt, kw);
		if (!d.type[0])
			d.type = "always";
	} else {
		d.type = c == C_initial_construct ? "initial" : "final";
	}
	d.name = process_label(p, n);
	if (ts_node_is_null(d.name)) {
		d.name_s = "";
		d.name = (TSNode){0};
	}
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return push_frame(p, depth, FR_SCOPE, idx);
}

/* for/if/case generate constructs number their unnamed blocks genblkN in the enclosing scope;
 * an `else if` continues the number of the `if` it belongs to */
static int on_gen_construct(ra_sv_parser *p, int c, uint32_t depth)
{
	sv_frame *top = p->nframes ? &p->frames[p->nframes - 1] : NULL;
	sv_frame *s = scope_frame(p);
	uint32_t number;
	int rc;

	if (c == C_conditional_generate_construct)
		return RA_OK; /* wraps if_generate_construct / case_generate_construct */
	if (top && top->kind == FR_ELSEIF && top->depth + 2 >= depth)
		number = top->genblk;
	else
		number = s ? ++s->genblk : 0;
	rc = push_frame(p, depth, FR_GENCONS, -1);
	if (rc)
		return rc;
	p->frames[p->nframes - 1].genblk = number;
	p->frames[p->nframes - 1].gen = c == C_loop_generate_construct ? "for"
	                                : c == C_if_generate_construct ? "if"
	                                                               : "case";
	return RA_OK;
}

static int on_gen_block(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	sv_frame *cons = NULL;
	sv_decl d = {.kind = RA_SYM_GENERATE, .whole = n, .parent = scope_sym(p)};
	bool begin = false;
	int first_named = C_NONE, nnamed = 0;
	char name[32];
	int32_t idx;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (kc == T_BEGIN)
			begin = true;
		else if (ts_tree_cursor_current_field_id(c) == p->f_name && ts_node_is_null(d.name))
			d.name = k;
		else if (ts_node_is_named(k) && kc != C_attribute_instance) {
			if (!nnamed++)
				first_named = kc;
		}
	}
	for (size_t i = p->nframes; i-- > 0;) {
		if (p->frames[i].kind == FR_GENCONS) {
			cons = &p->frames[i];
			break;
		}
		if (p->frames[i].kind == FR_SCOPE)
			break;
	}
	if (!begin && nnamed == 1 && first_named == C_conditional_generate_construct && cons &&
	    strcmp(cons->gen, "if") == 0) {
		/* `else if`: no scope of its own */
		int rc = push_frame(p, depth, FR_ELSEIF, -1);

		if (!rc)
			p->frames[p->nframes - 1].genblk = cons->genblk;
		return rc;
	}
	if (cons) {
		d.type = cons->gen;
	} else {
		sv_frame *s = scope_frame(p);

		d.type = "block";
		if (s)
			s->genblk++;
	}
	if (ts_node_is_null(d.name)) {
		sv_frame *s = scope_frame(p);

		snprintf(name, sizeof(name), "genblk%u", cons ? cons->genblk : s ? s->genblk : 0);
		d.name_s = name;
		d.flags = RA_SYMF_IMPLICIT;
	}
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	return push_frame(p, depth, FR_SCOPE, idx);
}

/* ---- instances ----------------------------------------------------------------------------- */

/* The connections (or overrides) in `list`, in order; `,` without a connection between is an
 * empty positional connection. */
static int emit_conns(ra_sv_parser *p, TSNode list, int32_t inst, bool is_param)
{
	TSTreeCursor *c, *c2;
	int32_t pos = 0;
	bool had = false, ordered = true;

	KIDS_FOR(p, list, c, k)
	{
		int kc = cls_of(p, k);
		ra_conn cn = {.inst = inst, .is_param = is_param, .span = span_of(k)};
		sv_text ft, at;
		bool emit = false;

		cn.position = pos;
		if (kc == T_COMMA) {
			if (!had && ordered) {
				cn.span = (ra_span){cn.span.line, cn.span.col, cn.span.line,
				                    cn.span.col};
				emit = true;
			}
			pos++;
			had = false;
		} else if (kc == C_ordered_port_connection ||
		           kc == C_ordered_parameter_assignment ||
		           kc == C_ordered_checker_port_connection) {
			uint32_t nk = ts_node_named_child_count(k);
			TSNode e = nk ? ts_node_named_child(k, nk - 1) : k;

			if (kc == C_ordered_parameter_assignment)
				e = k;
			cn.actual = fold_node(p, &at, e);
			emit = had = true;
		} else if (kc == C_named_port_connection || kc == C_named_parameter_assignment ||
		           kc == C_named_checker_port_connection) {
			bool paren = false, star = false;
			TSNode formal = {0}, actual = {0};

			ordered = false;
			KIDS_FOR(p, k, c2, e)
			{
				int ec = cls_of(p, e);
				TSFieldId f = ts_tree_cursor_current_field_id(c2);

				if (ec == T_DOTSTAR)
					star = true;
				else if (ec == T_LPAREN)
					paren = true;
				else if (f == p->f_port_name ||
				         (is_ident_cls(ec) && !paren && ts_node_is_null(formal)))
					formal = e;
				else if (f == p->f_connection || (paren && ts_node_is_named(e)))
					actual = e;
			}
			if (star) {
				cn.formal = "*";
			} else if (!ts_node_is_null(formal)) {
				cn.formal = fold_node(p, &ft, formal);
				if (!paren)
					cn.actual = cn.formal; /* `.name` */
				else if (!ts_node_is_null(actual))
					cn.actual = fold_node(p, &at, actual);
			}
			emit = had = star || !ts_node_is_null(formal);
		}
		if (emit && ra_model_add_conn(p->m, &cn) < 0) {
			kids_end(p);
			return RA_ENOMEM;
		}
	}
	if (!had && pos > 0 && ordered) {
		ra_conn cn = {.inst = inst, .is_param = is_param, .position = pos};
		TSPoint e = ts_node_end_point(list);

		cn.span = (ra_span){e.row, e.column, e.row, e.column};
		if (ra_model_add_conn(p->m, &cn) < 0)
			return RA_ENOMEM;
	}
	return RA_OK;
}

/* module/interface/program/checker/UDP instantiation: one instance per hierarchical_instance */
static int on_instantiation(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c, *c2;
	int32_t parent = scope_sym(p);
	TSNode params = {0};
	uint32_t ta = 0, tb = 0;
	sv_text tt;
	const char *type;
	int rc = RA_OK;

	KIDS_FOR(p, n, c, k)
	{
		if (ts_tree_cursor_current_field_id(c) == p->f_instance_type) {
			if (!ta)
				ta = ts_node_start_byte(k);
			tb = ts_node_end_byte(k);
		} else if (cls_of(p, k) == C_parameter_value_assignment) {
			params = kid_find(p, k, C_list_of_parameter_value_assignments, 0);
		}
	}
	type = ta ? fold_range(&tt, p->src, ta, tb, false) : NULL;
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);
		TSNode noi = {0}, conns = {0};
		sv_decl d = {.kind = RA_SYM_INSTANCE, .parent = parent, .whole = n, .type = type};
		sv_text dims;
		int32_t idx;

		if (rc)
			continue;
		if (kc == C_hierarchical_instance || kc == C_udp_instance) {
			KIDS_FOR(p, k, c2, e)
			{
				int ec = cls_of(p, e);

				if (ec == C_name_of_instance)
					noi = e;
				else if (ec == C_list_of_port_connections)
					conns = e;
			}
			if (kc == C_udp_instance)
				conns = k; /* terminals are the instance's own children */
		} else if (kc == C_name_of_instance) { /* checker instantiation */
			noi = k;
			conns = kid_find(p, n, C_list_of_checker_port_connections, 0);
		} else {
			continue;
		}
		if (!ts_node_is_null(noi)) {
			uint32_t da = 0, db = 0;

			KIDS_FOR(p, noi, c2, e)
			{
				if (ts_tree_cursor_current_field_id(c2) == p->f_instance_name)
					d.name = e;
				else if (is_dim_cls(cls_of(p, e))) {
					if (!da)
						da = ts_node_start_byte(e);
					db = ts_node_end_byte(e);
				}
			}
			d.dims = dims_text(p, &dims, da, db);
		}
		if (ts_node_is_null(d.name))
			d.name_s = "";
		idx = add_decl(p, &d);
		if (idx < 0) {
			rc = idx;
			continue;
		}
		if (!ts_node_is_null(params))
			rc = emit_conns(p, params, idx, true);
		if (!rc && !ts_node_is_null(conns)) {
			if (kc == C_udp_instance) {
				int32_t pos = 0;

				KIDS_FOR(p, conns, c2, e)
				{
					const char *nt = ts_node_type(e);
					ra_conn cn = {.inst = idx, .span = span_of(e)};
					sv_text at;

					if (rc || !ts_node_is_named(e) || !strstr(nt, "_terminal"))
						continue;
					cn.position = pos++;
					cn.actual = fold_node(p, &at, e);
					if (ra_model_add_conn(p->m, &cn) < 0)
						rc = RA_ENOMEM;
				}
			} else {
				rc = emit_conns(p, conns, idx, false);
			}
		}
	}
	return rc;
}

/* gate instantiation: `and g1 (y, a, b), (z, c, d);` - type = gate, terminals positional */
static int on_gates(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c, *c2;
	int32_t parent = scope_sym(p);
	sv_text tt;
	const char *type = NULL;
	int rc = RA_OK;

	KIDS_FOR(p, n, c, k)
	{
		const char *kt = ts_node_type(k);
		sv_decl d = {.kind = RA_SYM_INSTANCE, .parent = parent, .whole = n};
		int32_t idx, pos = 0;

		if (!type) {
			type = fold_node(p, &tt, k);
			continue;
		}
		if (rc || !ts_node_is_named(k) || !strstr(kt, "_instance"))
			continue;
		d.type = type;
		d.name_s = "";
		KIDS_FOR(p, k, c2, e)
		{
			if (cls_of(p, e) == C_name_of_instance) {
				d.name = kid_find(p, e, 0, p->f_instance_name);
				d.name_s = NULL;
				if (ts_node_is_null(d.name))
					d.name_s = "";
			}
		}
		idx = add_decl(p, &d);
		if (idx < 0) {
			rc = idx;
			continue;
		}
		KIDS_FOR(p, k, c2, e)
		{
			ra_conn cn = {.inst = idx, .span = span_of(e)};
			sv_text at;

			if (rc || !ts_node_is_named(e) || !strstr(ts_node_type(e), "_terminal"))
				continue;
			cn.position = pos++;
			cn.actual = fold_node(p, &at, e);
			if (ra_model_add_conn(p->m, &cn) < 0)
				rc = RA_ENOMEM;
		}
	}
	return rc;
}

/* ---- directives and imports ---------------------------------------------------------------- */

static int on_macro_def(ra_sv_parser *p, TSNode n)
{
	TSNode nm = kid_find(p, n, C_text_macro_name, 0), body = kid_find(p, n, C_macro_text, 0);
	sv_decl d = {.kind = RA_SYM_MACRO, .parent = -1, .whole = n};
	sv_text tt, vt;

	if (ts_node_is_null(nm))
		return RA_OK;
	d.name = first_ident(p, nm);
	if (ts_node_is_null(d.name))
		return RA_OK;
	if (ts_node_end_byte(d.name) < ts_node_end_byte(nm))
		d.type = fold_range(&tt, p->src, ts_node_end_byte(d.name), ts_node_end_byte(nm),
		                    false);
	if (!ts_node_is_null(body)) {
		d.value = fold_range(&vt, p->src, ts_node_start_byte(body), ts_node_end_byte(body),
		                     true);
		if (!d.value[0])
			d.value = NULL;
	}
	return add_decl(p, &d) < 0 ? RA_ENOMEM : RA_OK;
}

static int on_include(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c;
	ra_include inc = {.span = span_of(n)};
	char path[1024];
	int rc = RA_OK;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);
		uint32_t a = ts_node_start_byte(k), b = ts_node_end_byte(k);

		if (inc.path || !ts_node_is_named(k))
			continue;
		if ((kc == C_quoted_string || kc == C_system_lib_string) && b - a >= 2) {
			a++;
			b--;
		} else if (kc != C_text_macro_usage) {
			continue;
		}
		if (b - a >= sizeof(path))
			b = a + (uint32_t)sizeof(path) - 1;
		memcpy(path, p->src + a, b - a);
		path[b - a] = '\0';
		inc.path = path;
	}
	if (inc.path && ra_model_add_include(p->m, &inc) < 0)
		rc = RA_ENOMEM;
	return rc;
}

static int on_import(ra_sv_parser *p, TSNode n)
{
	TSTreeCursor *c, *c2;
	int32_t scope = scope_sym(p);
	int rc = RA_OK;

	KIDS_FOR(p, n, c, k)
	{
		ra_import im = {.scope = scope, .span = span_of(k)};
		sv_text pt, it;

		if (rc || cls_of(p, k) != C_package_import_item)
			continue;
		KIDS_FOR(p, k, c2, e)
		{
			int ec = cls_of(p, e);

			if (is_ident_cls(ec)) {
				if (!im.pkg)
					im.pkg = fold_node(p, &pt, e);
				else if (!im.item)
					im.item = fold_node(p, &it, e);
			} else if (ec == T_STAR) {
				im.item = "*";
			}
		}
		if (im.pkg && ra_model_add_import(p->m, &im) < 0)
			rc = RA_ENOMEM;
	}
	return rc;
}

/* ---- references and errors ----------------------------------------------------------------- */

static int on_ident(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c = &p->walk;
	int pc = depth ? p->dcls[depth - 1] : C_NONE;
	int rule = p->irule[pc];
	bool first = depth ? p->didn[depth - 1]++ == 0 : true;
	ra_ref r = {.scope = -1};
	sv_text nt;

	if (p->err_depth != UINT32_MAX)
		return RA_OK; /* names inside broken code are not trusted */
	if (rule == IR_DECL || (rule == IR_FIRST && !first))
		return RA_OK;
	if (rule != IR_MACRO) {
		TSFieldId f = ts_tree_cursor_current_field_id(c);

		/* declared names are fields; a few fields hold uses */
		if (f == p->f_name) {
			if (pc != C_method_call_body)
				return RA_OK;
		} else if (f == p->f_port_name) {
			if (pc != C_named_port_connection || p->implicit_depth != depth - 1)
				return RA_OK; /* a formal, unless it is the implicit `.name` */
		} else if (f &&
		           (f == p->f_instance_name || f == p->f_type_name ||
		            f == p->f_modport_name || f == p->f_c_name || f == p->f_block_name)) {
			return RA_OK;
		}
		r.scope = scope_sym(p);
	}
	r.name = fold_node(p, &nt, n);
	r.span = span_of(n);
	return ra_model_add_ref(p->m, &r) < 0 ? RA_ENOMEM : RA_OK;
}

static int on_error(ra_sv_parser *p, TSNode n, uint32_t depth, bool missing)
{
	sv_text t;
	int32_t rc;

	if (p->err_depth != UINT32_MAX)
		return RA_OK; /* inside a region already counted */
	p->m->nerrors++;
	if (missing) {
		rc = ra_model_add_diag(p->m, span_of(n), "syntax error: missing %s",
		                       ts_node_type(n));
	} else {
		p->err_depth = depth;
		fold_node(p, &t, n);
		if (strlen(t.s) > 40)
			memcpy(t.s + 37, "...", 4);
		rc = ra_model_add_diag(p->m, span_of(n), "syntax error near '%s'", t.s);
	}
	return rc < 0 ? RA_ENOMEM : RA_OK;
}

/*
 * A module header that error recovery left inside an ERROR node (`module name (...)` whose body
 * the grammar could not take) still declares the module: recover it, with a scope that lasts to
 * the end of the ERROR node so that the ports in the header find it.
 */
static int on_orphan_module(ra_sv_parser *p, TSNode kw, uint32_t depth)
{
	TSNode name = ts_node_next_named_sibling(kw);
	TSNode err = ts_node_parent(kw);
	sv_decl d = {.kind = RA_SYM_MODULE, .whole = err, .name = name};
	int32_t idx;
	int rc;

	if (ts_node_is_null(name) || !is_ident_cls(cls_of(p, name)))
		return RA_OK;
	while (p->nframes && p->frames[p->nframes - 1].depth >= depth - 1)
		p->nframes--; /* a previous orphan header in the same ERROR node */
	d.parent = scope_sym(p);
	idx = add_decl(p, &d);
	if (idx < 0)
		return idx;
	rc = push_frame(p, depth - 1, FR_SCOPE, idx);
	if (!rc)
		p->frames[p->nframes - 1].is_unit = true;
	return rc;
}

/* ---- the walk ------------------------------------------------------------------------------ */

/* handles one node on entry; returns 0 to descend, 1 to skip its children, <0 on error */
static int visit(ra_sv_parser *p, TSNode n, int c, uint32_t depth)
{
	switch (c) {
	case C_simple_identifier:
	case C_escaped_identifier:
		return on_ident(p, n, depth);
	case C_module_declaration:
	case C_interface_declaration:
	case C_program_declaration:
	case C_package_declaration:
	case C_class_declaration:
	case C_interface_class_declaration:
	case C_checker_declaration:
	case C_udp_declaration:
	case C_config_declaration:
		return on_unit(p, n, c, depth);
	case C_port:
		return depth && p->dcls[depth - 1] == C_list_of_ports ? on_header_port(p, n)
		                                                      : RA_OK;
	case C_ansi_port_declaration:
		return on_ansi_port(p, n);
	case C_input_declaration:
	case C_output_declaration:
	case C_inout_declaration:
	case C_ref_declaration:
		return on_port_decl(p, n, c);
	case C_interface_port_declaration:
		return on_iface_port_decl(p, n);
	case C_parameter_declaration:
	case C_local_parameter_declaration:
	case C_parameter_port_declaration:
		return on_params(p, n, c);
	case C_data_declaration:
		return on_data_decl(p, n, depth);
	case C_net_declaration:
		return on_net_decl(p, n, depth);
	case C_type_declaration:
		return on_typedef(p, n, depth);
	case C_enum_name_declaration:
		return on_enum_member(p, n);
	case C_struct_union_member:
		return on_struct_member(p, n, depth);
	case C_class_property:
		return ts_node_is_null(kid_find(p, n, C_data_declaration, 0))
		               ? on_const_property(p, n)
		               : RA_OK;
	case C_genvar_declaration:
		return on_genvars(p, n);
	case C_function_declaration:
	case C_task_declaration:
	case C_function_prototype:
	case C_task_prototype:
	case C_class_constructor_declaration:
	case C_class_constructor_prototype:
		return on_subroutine(p, n, c, depth);
	case C_tf_port_item:
		return on_tf_port(p, n);
	case C_tf_port_declaration:
		return on_tf_port_decl(p, n);
	case C_modport_declaration:
		return on_modports(p, n);
	case C_clocking_declaration:
		return on_clocking(p, n, depth);
	case C_always_construct:
	case C_initial_construct:
	case C_final_construct:
		return on_process(p, n, c, depth);
	case C_loop_generate_construct:
	case C_conditional_generate_construct:
	case C_if_generate_construct:
	case C_case_generate_construct:
		return on_gen_construct(p, c, depth);
	case C_generate_block:
		return on_gen_block(p, n, depth);
	case C_module_instantiation:
	case C_interface_instantiation:
	case C_program_instantiation:
	case C_checker_instantiation:
	case C_udp_instantiation:
		return on_instantiation(p, n);
	case C_gate_instantiation:
		return on_gates(p, n);
	case C_module_keyword:
		return depth && p->dcls[depth - 1] == C_ERROR ? on_orphan_module(p, n, depth)
		                                              : RA_OK;
	case C_named_port_connection:
		if (ts_node_is_null(kid_find(p, n, T_LPAREN, 0)))
			p->implicit_depth = depth;
		return RA_OK;
	case C_text_macro_definition:
		return on_macro_def(p, n) ? RA_ENOMEM : 1;
	case C_include_compiler_directive:
		return on_include(p, n);
	case C_package_import_declaration:
		return on_import(p, n);
	default:
		return RA_OK;
	}
}

static int grow_depth(ra_sv_parser *p, uint32_t depth)
{
	size_t c1 = p->dcap, c2 = p->dcap;

	if (depth < p->dcap)
		return RA_OK;
	if (ra_grow((void **)&p->dcls, &c1, depth + 1, sizeof(*p->dcls)) ||
	    ra_grow((void **)&p->didn, &c2, depth + 1, sizeof(*p->didn)))
		return RA_ENOMEM;
	p->dcap = c1 < c2 ? c1 : c2;
	return RA_OK;
}

static int walk(ra_sv_parser *p, TSNode root)
{
	TSTreeCursor *c = &p->walk;
	uint32_t depth = 0;

	if (!p->walk_made) {
		*c = ts_tree_cursor_new(root);
		p->walk_made = true;
	} else {
		ts_tree_cursor_reset(c, root);
	}
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(c);
		TSSymbol sym = ts_node_symbol(n);
		int cls = sym < p->nsymbols ? p->cls[sym] : ts_node_is_error(n) ? C_ERROR : C_NONE;
		int rc = RA_OK;

		if (grow_depth(p, depth))
			return RA_ENOMEM;
		p->dcls[depth] = (uint8_t)cls;
		p->didn[depth] = 0;
		if (ts_node_has_error(n)) {
			if (ts_node_is_error(n))
				rc = on_error(p, n, depth, false);
			else if (ts_node_is_missing(n))
				rc = on_error(p, n, depth, true);
		}
		if (!rc && cls != C_NONE)
			rc = visit(p, n, cls, depth);
		if (rc < 0)
			return rc;
		if (rc == 0 && ts_tree_cursor_goto_first_child(c)) {
			depth++;
			continue;
		}
		for (;;) {
			/* leaving the node at `depth`: close what it opened */
			while (p->nframes && p->frames[p->nframes - 1].depth >= depth)
				p->nframes--;
			if (p->err_depth == depth)
				p->err_depth = UINT32_MAX;
			if (p->implicit_depth == depth)
				p->implicit_depth = UINT32_MAX;
			if (ts_tree_cursor_goto_next_sibling(c))
				break;
			if (!ts_tree_cursor_goto_parent(c))
				return RA_OK;
			depth--;
		}
	}
}

int ra_sv_parser_parse(ra_sv_parser *p, ra_model **out, const char *src, size_t len, ra_lang lang)
{
	TSTree *tree;
	ra_model *m;
	int rc;

	*out = NULL;
	if (len > UINT32_MAX)
		return ra_error_set(RA_ETOOBIG, "source of %zu bytes is over tree-sitter's 4 GiB",
		                    len);
	m = ra_model_new(lang);
	if (!m)
		return RA_ENOMEM;
	tree = ts_parser_parse_string(p->ts, NULL, src, (uint32_t)len);
	if (!tree) {
		ra_model_free(m);
		return ra_error_set(RA_ERR, "tree-sitter parse failed");
	}
	p->m = m;
	p->src = src;
	p->len = (uint32_t)len;
	p->nframes = 0;
	p->pool_depth = 0;
	p->err_depth = UINT32_MAX;
	p->implicit_depth = UINT32_MAX;
	p->ports_gen++;
	p->nports = 0;
	rc = walk(p, ts_tree_root_node(tree));
	ts_tree_delete(tree);
	p->m = NULL;
	p->src = NULL;
	if (rc) {
		ra_model_free(m);
		return rc == RA_ENOMEM ? ra_error_oom() : rc;
	}
	*out = m;
	return RA_OK;
}

int ra_sv_parse(ra_model **out, const char *src, size_t len, ra_lang lang)
{
	ra_sv_parser *p = ra_sv_parser_new();
	int rc;

	*out = NULL;
	if (!p)
		return RA_ENOMEM;
	rc = ra_sv_parser_parse(p, out, src, len, lang);
	ra_sv_parser_free(p);
	return rc;
}
