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
#define _DEFAULT_SOURCE /* clock_gettime */
#include "indexer/sv.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	X(continuous_assign)                                                                       \
	X(list_of_variable_assignments)                                                            \
	X(net_assignment)                                                                          \
	X(variable_assignment)                                                                     \
	X(blocking_assignment)                                                                     \
	X(nonblocking_assignment)                                                                  \
	X(operator_assignment)                                                                     \
	X(inc_or_dec_expression)                                                                   \
	X(assignment_operator)                                                                     \
	X(variable_lvalue)                                                                         \
	X(nonrange_variable_lvalue)                                                                \
	X(procedural_continuous_assignment)                                                        \
	X(expression)                                                                              \
	X(constant_expression)                                                                     \
	X(conditional_statement)                                                                   \
	X(cond_predicate)                                                                          \
	X(conditional_expression)                                                                  \
	X(case_statement)                                                                          \
	X(case_expression)                                                                         \
	X(case_item)                                                                               \
	X(case_item_expression)                                                                    \
	X(case_inside_item)                                                                        \
	X(range_list)                                                                              \
	X(loop_statement)                                                                          \
	X(event_control)                                                                           \
	X(edge_identifier)                                                                         \
	X(tf_call)                                                                                 \
	X(method_call)                                                                             \
	X(list_of_arguments)                                                                       \
	X(subroutine_call_statement)                                                               \
	X(delay_or_event_control)                                                                  \
	X(casting_type)                                                                            \
	X(package_scope)                                                                           \
	X(select)                                                                                  \
	X(constant_select)                                                                         \
	X(nonrange_select)                                                                         \
	X(one_line_comment)                                                                        \
	X(block_comment)                                                                           \
	X(generate_region)                                                                         \
	X(module_item)                                                                             \
	X(package_item)                                                                            \
	X(class_item)                                                                              \
	X(class_method)                                                                            \
	X(interface_item)                                                                          \
	X(program_item)                                                                            \
	X(conditional_compilation_directive)                                                       \
	X(net_alias)                                                                               \
	X(dpi_import_export)                                                                       \
	X(timeunits_declaration)                                                                   \
	X(genvar_initialization)                                                                   \
	X(genvar_iteration)                                                                        \
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
	X(STAR, "*")                                                                               \
	X(COLONCOLON, "::")                                                                        \
	X(SEMI, ";")

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
_Static_assert(C__COUNT <= 256, "node classes are stored in uint8_t");

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
#define SV_POOL 24      /* nesting depth of child iteration in handlers and the chunker */

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

/* A name read or written by a data-flow edge: an identifier's bytes in the source, with the
 * edge kind and assignment kind it carries (guards: `depth` is the guarded construct's depth). */
typedef struct sv_fname {
	uint32_t off, len;
	uint8_t kind, how; /* ra_flow_kind, ra_assign_how */
	bool tested;       /* event signals: read in the process's first `if` (a reset) */
	uint32_t depth;
} sv_fname;

typedef struct sv_flist {
	sv_fname *v;
	size_t n, cap;
} sv_flist;

/* A set of names of one sv_flist (open addressing over indices; cleared by bumping `gen`). */
typedef struct sv_fset {
	struct sv_fslot {
		uint32_t gen, idx;
	} * slots;
	size_t cap, n;
	uint32_t gen;
} sv_fset;

#define SV_NONE UINT32_MAX /* a depth field that is not set */

/*
 * Data-flow state, advanced by the walk (see "data flow" below). Each *_depth is the depth of the
 * node that opened the region, SV_NONE outside it; leaving that node closes it.
 */
typedef struct sv_flow {
	/* the assignment being walked */
	uint32_t asg;       /* assignment node (or call statement with known outputs) */
	uint8_t how;        /* ra_assign_how of its edges */
	bool rmw;           /* `+=`, `++`: the target is read too */
	int32_t scope;      /* innermost symbol */
	ra_span span;       /* the statement */
	uint32_t lhs;       /* the written lvalue */
	bool need_base;     /* the current lvalue's base identifier is still to come */
	uint32_t index;     /* an expression inside the lvalue (an index: a read) */
	uint32_t cond;      /* the condition of a ?: in the right-hand side */
	uint32_t cond_next; /* depth of the condition of the ?: just entered */
	uint32_t call;      /* a function or method call in the right-hand side */
	uint32_t skip;      /* identifiers that are not signals: delays, cast types, scopes */
	uint32_t skip_to;   /* ... and identifiers that start before this byte (`pkg::`) */
	uint32_t out;       /* an output argument of a call statement */
	sv_flist targets;   /* written base identifiers */
	sv_flist sources;   /* read identifiers, deduplicated through `seen` */
	sv_fset seen;
	uint32_t *outs; /* start bytes of the output arguments of the call statement */
	size_t nouts, outs_cap;
	/* conditions guarding the statements being walked */
	uint32_t guard;     /* the condition being read */
	uint32_t guard_own; /* the construct it guards */
	sv_flist guards;
	/* the process being walked */
	uint32_t proc; /* always/initial/final node */
	int32_t proc_sym;
	bool proc_always;
	bool edge;      /* edge-triggered: posedge/negedge/edge in its event control */
	uint32_t event; /* its event control */
	ra_span event_span;
	uint8_t first_if; /* 0: no `if` yet, 1: reading the first if's condition, 2: after */
	sv_flist events;  /* event-list signals */
	sv_flist written; /* targets written by the process, deduplicated through `wseen` */
	sv_fset wseen;
	/* subroutines declared so far in this file (for call statements) */
	int32_t *subs;
	size_t nsubs, subs_cap;
} sv_flow;

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

	sv_flow fl;

	/* chunks: a text buffer, symbols by start position */
	char *ck_text;
	size_t ck_cap;
	struct sv_sym_slot {
		uint64_t key; /* pos_key of the span start; 0: empty */
		int32_t sym;
	} * sx;
	size_t sx_cap;
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
	ra_free(p->fl.targets.v);
	ra_free(p->fl.sources.v);
	ra_free(p->fl.seen.slots);
	ra_free(p->fl.outs);
	ra_free(p->fl.guards.v);
	ra_free(p->fl.events.v);
	ra_free(p->fl.written.v);
	ra_free(p->fl.wseen.slots);
	ra_free(p->fl.subs);
	ra_free(p->ck_text);
	ra_free(p->sx);
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

/* ---- data flow ----------------------------------------------------------------------------- */

/*
 * Flow edges are gathered as the walk passes, without a walk of their own. Entering an
 * assignment opens a region; the identifiers on_ident accepts as uses then land in it: the base
 * identifier of each lvalue is a target, every other identifier a source (DATA, CONTROL inside a
 * ?: condition, how = CALL inside a function call's arguments). Leaving the assignment emits
 * targets x sources, plus a CONTROL edge from every condition guarding the statement (if, case
 * and case item labels, loop conditions), which the walk keeps on a stack tied to the guarded
 * construct's depth. A process remembers its event list and what it writes; leaving it emits
 * the CLOCK and RESET edges (see flow_proc_end for the heuristic).
 */

static void fset_clear(sv_fset *s)
{
	s->n = 0;
	if (++s->gen == 0) {
		if (s->slots)
			memset(s->slots, 0, s->cap * sizeof(*s->slots));
		s->gen = 1;
	}
}

static void flist_clear(sv_flist *l, sv_fset *s)
{
	l->n = 0;
	if (s)
		fset_clear(s);
}

static uint32_t fname_hash(const char *src, const sv_fname *f)
{
	uint32_t h = 2166136261u ^ (uint32_t)(f->kind * 8 + f->how);

	for (uint32_t i = 0; i < f->len; i++)
		h = (h ^ (unsigned char)src[f->off + i]) * 16777619u;
	return h;
}

static bool fname_eq(const char *src, const sv_fname *a, const sv_fname *b)
{
	return a->len == b->len && a->kind == b->kind && a->how == b->how &&
	       memcmp(src + a->off, src + b->off, a->len) == 0;
}

/* finds (insert=false) or inserts (insert=true) list entry `idx` in the set; returns the index of
 * the equal entry already there, or -1 */
static int64_t fset_probe(const char *src, sv_fset *s, const sv_flist *l, uint32_t idx, bool insert)
{
	size_t mask = s->cap - 1;

	for (size_t i = fname_hash(src, &l->v[idx]) & mask;; i = (i + 1) & mask) {
		struct sv_fslot *slot = &s->slots[i];

		if (slot->gen != s->gen) {
			if (insert) {
				*slot = (struct sv_fslot){s->gen, idx};
				s->n++;
			}
			return -1;
		}
		if (fname_eq(src, &l->v[slot->idx], &l->v[idx]))
			return slot->idx;
	}
}

/* Short lists are searched linearly; from SV_FSET_MIN entries on, a hash set takes over. */
#define SV_FSET_MIN 16

static int fset_rebuild(const char *src, sv_fset *s, const sv_flist *l)
{
	size_t cap = s->cap ? s->cap : 64;

	while (cap < l->n * 4)
		cap *= 2;
	if (cap != s->cap) {
		struct sv_fslot *slots = ra_calloc(cap, sizeof(*slots));

		if (!slots)
			return RA_ENOMEM;
		ra_free(s->slots);
		s->slots = slots;
		s->cap = cap;
		s->gen = 0;
	}
	fset_clear(s);
	for (uint32_t i = 0; i < l->n; i++)
		fset_probe(src, s, l, i, true);
	return RA_OK;
}

/* Appends a name to `l`; with a set, only when no equal entry is there (`*added` tells). */
static int flist_add(ra_sv_parser *p, sv_flist *l, sv_fset *set, sv_fname f, bool *added)
{
	if (added)
		*added = false;
	if (ra_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return RA_ENOMEM;
	l->v[l->n] = f;
	if (set) {
		if (l->n < SV_FSET_MIN) {
			for (size_t i = 0; i < l->n; i++)
				if (fname_eq(p->src, &l->v[i], &f))
					return RA_OK;
		} else if (l->n == SV_FSET_MIN || (set->n + 1) * 2 > set->cap) {
			if (fset_rebuild(p->src, set, l))
				return RA_ENOMEM;
		}
		if (l->n >= SV_FSET_MIN && fset_probe(p->src, set, l, (uint32_t)l->n, true) >= 0)
			return RA_OK;
	}
	l->n++;
	if (added)
		*added = true;
	return RA_OK;
}

/* the identifier's bytes, without the trailing space an escaped identifier may carry */
static sv_fname fname_of(ra_sv_parser *p, TSNode n, int kind, int how)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);

	while (b > a && is_space(p->src[b - 1], false))
		b--;
	return (sv_fname){.off = a, .len = b - a, .kind = (uint8_t)kind, .how = (uint8_t)how};
}

static bool fname_same(const char *src, const sv_fname *a, const sv_fname *b)
{
	return a->len == b->len && memcmp(src + a->off, src + b->off, a->len) == 0;
}

static const char *fname_str(ra_sv_parser *p, char *buf, size_t cap, const sv_fname *f)
{
	size_t n = f->len < cap ? f->len : cap - 1;

	memcpy(buf, p->src + f->off, n);
	buf[n] = '\0';
	return buf;
}

static int add_source(ra_sv_parser *p, sv_fname f)
{
	return flist_add(p, &p->fl.sources, &p->fl.seen, f, NULL);
}

/* opens an assignment region at `depth` */
static void flow_begin(ra_sv_parser *p, TSNode n, uint32_t depth, int how)
{
	sv_flow *f = &p->fl;

	f->asg = depth;
	f->how = (uint8_t)how;
	f->rmw = false;
	f->scope = scope_sym(p);
	f->span = span_of(n);
	f->lhs = f->index = f->cond = f->cond_next = f->call = f->out = SV_NONE;
	f->need_base = false;
	f->skip_to = 0;
	f->nouts = 0;
	flist_clear(&f->targets, NULL);
	flist_clear(&f->sources, &f->seen);
}

static bool is_event(ra_sv_parser *p, const sv_fname *g)
{
	for (size_t i = 0; i < p->fl.events.n; i++)
		if (fname_same(p->src, &p->fl.events.v[i], g))
			return true;
	return false;
}

static int add_flow(ra_sv_parser *p, int32_t scope, const sv_fname *src, const sv_fname *dst,
                    int kind, int how, ra_span span)
{
	char sb[256], tb[256];
	ra_flow fl = {.scope = scope,
	              .kind = (ra_flow_kind)kind,
	              .how = (ra_assign_how)how,
	              .span = span};

	fl.source = fname_str(p, sb, sizeof(sb), src);
	fl.target = fname_str(p, tb, sizeof(tb), dst);
	if (!fl.source[0] || !fl.target[0])
		return RA_OK; /* a name that starts with a NUL byte: nothing to trace */
	return ra_model_add_flow(p->m, &fl) < 0 ? RA_ENOMEM : RA_OK;
}

/* leaving an assignment: every source and guard flows into every target */
static int flow_emit(ra_sv_parser *p)
{
	sv_flow *f = &p->fl;
	bool edge = f->proc != SV_NONE && f->edge;
	int rc = RA_OK;

	for (size_t i = 0; !rc && f->targets.n && i < f->guards.n; i++) {
		sv_fname g = f->guards.v[i];

		if (edge && is_event(p, &g))
			continue; /* the clock and resets get their own edges */
		g.how = f->how;
		rc = add_source(p, g);
	}
	for (size_t t = 0; !rc && t < f->targets.n; t++) {
		const sv_fname *tg = &f->targets.v[t];
		sv_fname w = *tg;

		for (size_t s = 0; !rc && s < f->sources.n; s++)
			rc = add_flow(p, f->scope, &f->sources.v[s], tg, f->sources.v[s].kind,
			              f->sources.v[s].how, f->span);
		/* written by the process: one entry per name, remembering the first write's how */
		w.kind = w.how = 0;
		w.depth = f->how;
		if (!rc && edge)
			rc = flist_add(p, &f->written, &f->wseen, w, NULL);
	}
	flist_clear(&f->targets, NULL);
	flist_clear(&f->sources, &f->seen);
	f->asg = SV_NONE;
	return rc;
}

/*
 * Leaving an edge-triggered process: its clock gives a CLOCK edge and every other event-list
 * signal a RESET edge to each signal the process writes. The clock is the first event signal
 * that the process's first `if` condition does not test; a signal tested there is an
 * asynchronous reset (`@(posedge clk or negedge rst_n) if (!rst_n) ...`). When every event
 * signal is tested, the first one is taken as the clock.
 */
static int flow_proc_end(ra_sv_parser *p)
{
	sv_flow *f = &p->fl;
	size_t clock = 0;
	int rc = RA_OK;

	if (f->edge && f->events.n) {
		for (size_t i = 0; i < f->events.n; i++) {
			if (!f->events.v[i].tested) {
				clock = i;
				break;
			}
		}
		for (size_t w = 0; !rc && w < f->written.n; w++) {
			const sv_fname *tg = &f->written.v[w];

			for (size_t e = 0; !rc && e < f->events.n; e++)
				rc = add_flow(p, f->proc_sym, &f->events.v[e], tg,
				              e == clock ? RA_FLOW_CLOCK : RA_FLOW_RESET,
				              (int)tg->depth, f->event_span);
		}
	}
	f->proc = f->event = SV_NONE;
	f->edge = false;
	flist_clear(&f->events, NULL);
	flist_clear(&f->written, &f->wseen);
	return rc;
}

/* an identifier that on_ident took as a use: a target, a source, a guard or an event signal */
static int flow_ident(ra_sv_parser *p, TSNode n, uint32_t depth, int pc)
{
	sv_flow *f = &p->fl;
	sv_fname nm;

	if (f->asg == SV_NONE && f->guard == SV_NONE && f->event == SV_NONE)
		return RA_OK;
	if (f->skip != SV_NONE || ts_node_start_byte(n) < f->skip_to)
		return RA_OK;
	switch (pc) {
	case C_tf_call:           /* the callee */
	case C_list_of_arguments: /* a named argument's formal */
	case C_package_scope:
	case C_select: /* a member after a select: `a[3].b` */
	case C_constant_select:
	case C_nonrange_select:
	case C_method_call_body:
		return RA_OK;
	case C_hierarchical_identifier:
		if (depth >= 2 && p->dcls[depth - 2] == C_tf_call)
			return RA_OK;
		break;
	default:
		break;
	}
	nm = fname_of(p, n, RA_FLOW_DATA, f->how);
	if (f->asg != SV_NONE) {
		bool base = (f->lhs != SV_NONE && f->index == SV_NONE) || f->out != SV_NONE;

		if (base && f->need_base) {
			f->need_base = false;
			if (flist_add(p, &f->targets, NULL, nm, NULL))
				return RA_ENOMEM;
			return f->rmw ? add_source(p, nm) : RA_OK;
		}
		if (f->lhs != SV_NONE && f->index == SV_NONE)
			return RA_OK; /* a member name in an lvalue */
		if (f->cond != SV_NONE)
			nm.kind = RA_FLOW_CONTROL;
		if (f->call != SV_NONE)
			nm.how = RA_ASSIGN_CALL;
		return add_source(p, nm);
	}
	if (f->event != SV_NONE) {
		nm.kind = nm.how = 0;
		return is_event(p, &nm) ? RA_OK : flist_add(p, &f->events, NULL, nm, NULL);
	}
	if (f->first_if == 1) {
		for (size_t i = 0; i < f->events.n; i++)
			if (fname_same(p->src, &f->events.v[i], &nm))
				f->events.v[i].tested = true;
	}
	nm.kind = RA_FLOW_CONTROL;
	nm.depth = f->guard_own;
	return flist_add(p, &f->guards, NULL, nm, NULL);
}

/* an assignment whose target is a declared name: `wire y = a & b;`, `int i = 0` in a loop */
static int flow_decl_assign(ra_sv_parser *p, TSNode n, TSNode name, uint32_t depth, int how)
{
	if (ts_node_is_null(name))
		return RA_OK;
	flow_begin(p, n, depth, how);
	return flist_add(p, &p->fl.targets, NULL, fname_of(p, name, 0, 0), NULL);
}

/* the subroutine a call statement names, when this file declared it before the call; -1 else */
static int32_t find_sub(ra_sv_parser *p, TSNode call)
{
	TSNode id = first_ident(p, call);
	sv_text nt;
	const char *name;

	if (ts_node_is_null(id)) {
		TSNode h = kid_find(p, call, C_hierarchical_identifier, 0);

		if (ts_node_is_null(h) || ts_node_named_child_count(h) != 1)
			return -1;
		id = first_ident(p, h);
		if (ts_node_is_null(id))
			return -1;
	}
	name = fold_node(p, &nt, id);
	for (size_t i = p->fl.nsubs; i-- > 0;)
		if (strcmp(p->m->syms[p->fl.subs[i]].name, name) == 0)
			return p->fl.subs[i];
	return -1;
}

/* the direction of argument `pos` (or the one named `formal`) of subroutine `sub`; NULL unknown */
static const char *arg_dir(ra_sv_parser *p, int32_t sub, int32_t pos, const char *formal)
{
	int32_t k = 0;

	for (size_t i = (size_t)sub + 1; i < p->m->nsyms && p->m->syms[i].parent >= sub; i++) {
		const ra_sym *s = &p->m->syms[i];

		if (s->parent != sub || s->kind != RA_SYM_PORT)
			continue;
		if (formal ? strcmp(s->name, formal) == 0 : k == pos)
			return s->dir;
		k++;
	}
	return NULL;
}

/*
 * A call statement `t(a, b);` of a task or function this file declared before it: the
 * arguments passed to input ports flow (how = CALL) into the base identifiers of those passed to
 * output, inout and ref ports. Calls of anything else give no edges.
 */
static int flow_call_stmt(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c;
	TSNode call = n, args;
	int32_t sub, pos = 0;
	sv_text ft;
	const char *formal = NULL;
	int rc = RA_OK;

	for (int i = 0; i < 3 && !ts_node_is_null(call) && cls_of(p, call) != C_tf_call; i++)
		call = ts_node_named_child(call, 0);
	if (ts_node_is_null(call) || cls_of(p, call) != C_tf_call)
		return RA_OK;
	args = kid_find(p, call, C_list_of_arguments, 0);
	if (ts_node_is_null(args) || (sub = find_sub(p, call)) < 0)
		return RA_OK;
	flow_begin(p, n, depth, RA_ASSIGN_CALL);
	KIDS_FOR(p, args, c, k)
	{
		int kc = cls_of(p, k);
		const char *dir;

		if (is_ident_cls(kc)) {
			formal = fold_node(p, &ft, k);
		} else if (kc == C_expression) {
			dir = arg_dir(p, sub, pos++, formal);
			formal = NULL;
			if (!rc && dir && strcmp(dir, "input") != 0 &&
			    ra_grow((void **)&p->fl.outs, &p->fl.outs_cap, p->fl.nouts + 1,
			            sizeof(*p->fl.outs)) == 0)
				p->fl.outs[p->fl.nouts++] = ts_node_start_byte(k);
			else if (!rc && dir && strcmp(dir, "input") != 0)
				rc = RA_ENOMEM;
		}
	}
	if (!p->fl.nouts)
		p->fl.asg = SV_NONE; /* nothing written */
	return rc;
}

/* lvalues that a statement of class `c` writes through: `a = b`, `a += b`, `a++`, `assign` */
static bool is_lhs_parent(int c)
{
	return c == C_operator_assignment || c == C_inc_or_dec_expression ||
	       c == C_variable_assignment || c == C_net_assignment;
}

/* a node the data-flow pass looks at, on entry */
static int flow_enter(ra_sv_parser *p, TSNode n, int c, uint32_t depth)
{
	sv_flow *f = &p->fl;
	int pc = depth ? p->dcls[depth - 1] : C_NONE;

	if (f->skip != SV_NONE)
		return RA_OK;
	if (f->asg == SV_NONE) {
		switch (c) {
		case C_net_assignment:
		case C_variable_assignment:
			flow_begin(p, n, depth,
			           depth >= 2 && p->dcls[depth - 2] == C_continuous_assign
			                   ? RA_ASSIGN_CONTINUOUS
			                   : RA_ASSIGN_BLOCKING);
			return RA_OK;
		case C_blocking_assignment:
		case C_operator_assignment:
		case C_procedural_continuous_assignment:
			flow_begin(p, n, depth, RA_ASSIGN_BLOCKING);
			return RA_OK;
		case C_inc_or_dec_expression:
			flow_begin(p, n, depth, RA_ASSIGN_BLOCKING);
			f->rmw = true;
			return RA_OK;
		case C_nonblocking_assignment:
			flow_begin(p, n, depth, RA_ASSIGN_NONBLOCKING);
			return RA_OK;
		case C_net_decl_assignment:
			return flow_decl_assign(p, n, first_ident(p, n), depth,
			                        RA_ASSIGN_CONTINUOUS);
		case C_variable_decl_assignment: {
			/* an initialiser in a process or subroutine; at module level it is no driver */
			sv_frame *s = scope_frame(p);
			ra_sym_kind k = s && s->sym >= 0 ? p->m->syms[s->sym].kind : RA_SYM_MODULE;

			if (k != RA_SYM_PROCESS && k != RA_SYM_FUNCTION && k != RA_SYM_TASK)
				return RA_OK;
			return flow_decl_assign(p, n, kid_find(p, n, 0, p->f_name), depth,
			                        RA_ASSIGN_BLOCKING);
		}
		case C_for_variable_declaration:
			return flow_decl_assign(p, n, first_ident(p, n), depth, RA_ASSIGN_BLOCKING);
		case C_subroutine_call_statement:
			return flow_call_stmt(p, n, depth);
		case C_cond_predicate:
			if (pc != C_conditional_statement || f->guard != SV_NONE)
				return RA_OK;
			if (f->proc != SV_NONE && f->first_if == 0)
				f->first_if = 1;
			break;
		case C_case_expression:
			if (pc != C_case_statement)
				return RA_OK;
			break;
		case C_case_item_expression:
			if (pc != C_case_item)
				return RA_OK;
			break;
		case C_range_list:
			if (pc != C_case_inside_item)
				return RA_OK;
			break;
		case C_expression:
			if (pc != C_loop_statement)
				return RA_OK;
			break;
		case C_event_control:
			if (f->proc != SV_NONE && f->proc_always && f->event == SV_NONE &&
			    !f->events.n && depth == f->proc + 4 &&
			    pc == C_procedural_timing_control_statement) {
				f->event = depth;
				f->event_span = span_of(n);
			}
			return RA_OK;
		case C_edge_identifier:
			if (f->event != SV_NONE)
				f->edge = true;
			return RA_OK;
		case C_casting_type:
		case C_delay_or_event_control:
			f->skip = depth;
			return RA_OK;
		default:
			return RA_OK;
		}
		/* a condition guarding what its construct (the parent) contains */
		if (f->guard == SV_NONE) {
			f->guard = depth;
			f->guard_own = depth - 1;
		}
		return RA_OK;
	}
	switch (c) {
	case C_variable_lvalue:
	case C_net_lvalue:
	case C_nonrange_variable_lvalue:
		if (f->lhs == SV_NONE && f->index == SV_NONE && f->cond == SV_NONE &&
		    (depth == f->asg + 1 ||
		     (depth == f->asg + 2 && is_lhs_parent(p->dcls[f->asg + 1])))) {
			f->lhs = depth;
			f->need_base = true;
		} else if (f->lhs != SV_NONE && f->index == SV_NONE) {
			f->need_base = true; /* a part of a concatenation */
		}
		return RA_OK;
	case C_assignment_operator:
		/* `a += b` reads a */
		if (ts_node_end_byte(n) - ts_node_start_byte(n) > 1 && !f->rmw) {
			f->rmw = true;
			for (size_t i = 0; i < f->targets.n; i++)
				if (add_source(p, f->targets.v[i]))
					return RA_ENOMEM;
		}
		return RA_OK;
	case C_inc_or_dec_expression:
		if (depth == f->asg + 1)
			f->rmw = true;
		return RA_OK;
	case C_expression:
	case C_constant_expression:
		if (f->cond_next == depth) {
			if (f->cond == SV_NONE)
				f->cond = depth;
			f->cond_next = SV_NONE;
		}
		if (f->lhs != SV_NONE && f->index == SV_NONE) {
			f->index = depth;
		} else if (c == C_expression && pc == C_list_of_arguments && f->nouts &&
		           f->out == SV_NONE) {
			uint32_t b = ts_node_start_byte(n);

			for (size_t i = 0; i < f->nouts; i++) {
				if (f->outs[i] == b) {
					f->out = depth;
					f->need_base = true;
				}
			}
		}
		return RA_OK;
	case C_conditional_expression:
		f->cond_next = depth + 1; /* its first child is the condition */
		return RA_OK;
	case C_cond_predicate:
		if (f->cond_next == depth && f->cond == SV_NONE)
			f->cond = depth;
		f->cond_next = SV_NONE;
		return RA_OK;
	case C_tf_call:
		if (f->call == SV_NONE)
			f->call = depth;
		return RA_OK;
	case C_method_call: {
		/* `pkg::f(x)` and `pkg::NAME` can read as method calls: the scope is no signal,
		 * NAME is a read; a method's own name is neither */
		TSNode cc = kid_find(p, n, T_COLONCOLON, 0);
		TSNode body = kid_find(p, n, C_method_call_body, 0);

		if (!ts_node_is_null(cc))
			f->skip_to = ts_node_start_byte(cc);
		if (!ts_node_is_null(cc) && !ts_node_is_null(body) &&
		    ts_node_is_null(kid_find(p, body, C_list_of_arguments, 0))) {
			TSNode nm = kid_find(p, body, 0, p->f_name);

			if (!ts_node_is_null(nm))
				return add_source(
				        p, fname_of(p, nm,
				                    f->cond != SV_NONE ? RA_FLOW_CONTROL
				                                       : RA_FLOW_DATA,
				                    f->call != SV_NONE ? RA_ASSIGN_CALL : f->how));
		}
		if (f->call == SV_NONE)
			f->call = depth;
		return RA_OK;
	}
	case C_casting_type:
	case C_delay_or_event_control:
		f->skip = depth;
		return RA_OK;
	default:
		return RA_OK;
	}
}

/* leaving the node at `depth`: closes the regions it opened */
static int flow_leave(ra_sv_parser *p, uint32_t depth)
{
	sv_flow *f = &p->fl;
	int rc = RA_OK;

	if (f->proc == SV_NONE && f->asg == SV_NONE && f->guard == SV_NONE && !f->guards.n &&
	    f->skip == SV_NONE)
		return RA_OK; /* nothing open: most of a file */

	if (f->skip == depth)
		f->skip = SV_NONE;
	if (f->index == depth)
		f->index = SV_NONE;
	if (f->lhs == depth)
		f->lhs = SV_NONE;
	if (f->out == depth)
		f->out = SV_NONE;
	if (f->cond == depth)
		f->cond = SV_NONE;
	if (f->call == depth)
		f->call = SV_NONE;
	if (f->asg == depth)
		rc = flow_emit(p);
	if (f->guard == depth) {
		f->guard = SV_NONE;
		if (f->first_if == 1)
			f->first_if = 2;
	}
	while (f->guards.n && f->guards.v[f->guards.n - 1].depth >= depth)
		f->guards.n--;
	if (f->event == depth)
		f->event = SV_NONE;
	if (!rc && f->proc == depth)
		rc = flow_proc_end(p);
	return rc;
}

/* a process begins: remembered for its clock and reset edges */
static void flow_process(ra_sv_parser *p, int32_t sym, int c, uint32_t depth)
{
	sv_flow *f = &p->fl;

	f->proc = depth;
	f->proc_sym = sym;
	f->proc_always = c == C_always_construct;
	f->edge = false;
	f->event = SV_NONE;
	f->first_if = 0;
	flist_clear(&f->events, NULL);
	flist_clear(&f->written, &f->wseen);
}

static void flow_reset(ra_sv_parser *p)
{
	sv_flow *f = &p->fl;

	f->asg = f->lhs = f->index = f->cond = f->cond_next = f->call = f->skip = f->out = SV_NONE;
	f->guard = f->proc = f->event = SV_NONE;
	f->nouts = f->nsubs = 0;
	f->guards.n = 0;
	flist_clear(&f->targets, NULL);
	flist_clear(&f->sources, &f->seen);
	flist_clear(&f->events, NULL);
	flist_clear(&f->written, &f->wseen);
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

/* the identifier a port type consists of alone (`I0` of `input I0`), or a null node */
static TSNode lone_type_ident(ra_sv_parser *p, TSNode type)
{
	while (!ts_node_is_null(type) && !is_ident_cls(cls_of(p, type)))
		type = ts_node_named_child_count(type) == 1 ? ts_node_named_child(type, 0)
		                                            : (TSNode){0};
	return type;
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
	TSNode value = {0}, type = {0}, err_ident = {0};
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

				if (hc == C_port_direction) {
					d.dir = fold_node(p, &vt, h);
				} else if (hc == C_net_port_type || hc == C_variable_port_type) {
					d.type = fold_node(p, &tt, h);
					type = h;
				}
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
		} else if (ts_node_is_error(k) && ts_node_is_null(d.name)) {
			uint32_t nk = ts_node_named_child_count(k);
			TSNode last = nk ? ts_node_named_child(k, nk - 1) : (TSNode){0};

			err_ident = !ts_node_is_null(last) && is_ident_cls(cls_of(p, last))
			                    ? last
			                    : (TSNode){0};
		}
	}
	if (ts_node_is_null(d.name))
		return RA_OK;
	/* `input I0 `DEFAULT,` (a macro after the name, e.g. a default value): the grammar reads
	   the macro's name as the port's and I0 as its type (or, after a type, leaves I0 in an
	   error node). A macro usage is never a name: the port is that identifier. */
	if (ts_node_start_byte(d.name) > 0 && p->src[ts_node_start_byte(d.name) - 1] == '`') {
		TSNode real = lone_type_ident(p, type);

		if (!ts_node_is_null(real)) {
			d.name = real;
			d.type = NULL;
		} else if (!ts_node_is_null(err_ident)) {
			d.name = err_ident;
		}
	}
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
	if (ra_grow((void **)&p->fl.subs, &p->fl.subs_cap, p->fl.nsubs + 1, sizeof(*p->fl.subs)))
		return RA_ENOMEM;
	p->fl.subs[p->fl.nsubs++] = idx;
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
	flow_process(p, idx, c, depth);
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
				cn.formal_span = span_of(formal);
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

/* `I0` of the ANSI port `input I0 `MACRO`, where the grammar takes I0 for the type: the port's
 * name (on_ansi_port), not a use */
static bool macro_port_name(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	const uint8_t *d = p->dcls;
	uint32_t b = ts_node_end_byte(n);

	if (!(depth >= 3 && d[depth - 1] == C_net_port_type && d[depth - 2] == C_net_port_header &&
	      d[depth - 3] == C_ansi_port_declaration) &&
	    !(depth >= 4 && d[depth - 1] == C_data_type && d[depth - 2] == C_variable_port_type &&
	      d[depth - 3] == C_variable_port_header && d[depth - 4] == C_ansi_port_declaration))
		return false;
	while (b < p->len && is_space(p->src[b], false))
		b++;
	return b < p->len && p->src[b] == '`';
}

static int on_ident(ra_sv_parser *p, TSNode n, uint32_t depth)
{
	TSTreeCursor *c = &p->walk;
	int pc = depth ? p->dcls[depth - 1] : C_NONE;
	int rule = p->irule[pc];
	bool first = depth ? p->didn[depth - 1]++ == 0 : true;
	ra_ref r = {.scope = -1};
	sv_text nt;

	if (p->err_depth != UINT32_MAX || ts_node_is_missing(n) ||
	    p->src[ts_node_start_byte(n)] == '\0')
		return RA_OK; /* names inside broken code, made up by error recovery or starting with
		                 a NUL byte (no name as a C string) are not trusted */
	if (rule == IR_DECL || (rule == IR_FIRST && !first))
		return RA_OK;
	if (rule != IR_MACRO) {
		TSFieldId f = ts_tree_cursor_current_field_id(c);
		uint32_t a = ts_node_start_byte(n);

		/* declared names are fields; a few fields hold uses */
		if (f == p->f_name) {
			if (pc != C_method_call_body)
				return RA_OK;
		} else if (f == p->f_port_name) {
			if (pc == C_ansi_port_declaration && a > 0 && p->src[a - 1] == '`')
				rule = IR_MACRO; /* `input I0 `MACRO`: a macro's use (on_ansi_port) */
			else if (pc != C_named_port_connection || p->implicit_depth != depth - 1)
				return RA_OK; /* a formal, unless it is the implicit `.name` */
		} else if (f &&
		           (f == p->f_instance_name || f == p->f_type_name ||
		            f == p->f_modport_name || f == p->f_c_name || f == p->f_block_name)) {
			return RA_OK;
		} else if (macro_port_name(p, n, depth)) {
			return RA_OK;
		}
		if (rule != IR_MACRO)
			r.scope = scope_sym(p);
	}
	if (rule != IR_MACRO && flow_ident(p, n, depth, pc))
		return RA_ENOMEM;
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

/* ---- chunks -------------------------------------------------------------------------------- */

/*
 * Chunks are cut after the walk, from the design units' items only (a unit's children, the
 * contents of big generate constructs): no second walk of the whole tree. A packer turns items
 * into pieces: a piece is a byte range [start, end) that starts where the previous one ended,
 * so the lines between two items (comments, blank lines, `end`, `endgenerate`) belong to the
 * next item, and whatever follows the last item (`endmodule`) to the last piece. An item too big
 * for one chunk is split at its children (statements, case items, ports) recursively; adjacent
 * items of a "run" kind (signature, assigns, declarations, other) share a chunk up to the
 * bounds; tiny neighbours of the other kinds are merged. Blank lines at either end of a chunk
 * are left out of it.
 */
#define SV_CHUNK_LINES 60 /* bounds of one chunk, when the syntax allows */
#define SV_CHUNK_BYTES 2000
#define SV_TINY_LINES 2   /* items this small may share a chunk with their neighbours... */
#define SV_MERGE_LINES 15 /* ...while the chunk stays this small */
#define SV_SPLIT_DEPTH 40 /* deeper than this, a node is not split further */

static const char K_SIGNATURE[] = "signature", K_PROCESS[] = "process", K_ASSIGNS[] = "assigns",
                  K_INSTANCE[] = "instance", K_SUBPROGRAM[] = "subprogram",
                  K_DECLARATIONS[] = "declarations", K_GENERATE[] = "generate", K_OTHER[] = "other";

typedef struct sv_pos {
	uint32_t b, row, col;
} sv_pos;

typedef struct sv_packer {
	sv_pos start, end; /* the open piece: its start, the end of its last atom */
	bool has;          /* the open piece has an atom */
	bool tiny;         /* ...and every item in it is tiny */
	const char *kind;
	int32_t sym, scope;
} sv_packer;

static sv_pos pos_start(TSNode n)
{
	TSPoint a = ts_node_start_point(n);

	return (sv_pos){ts_node_start_byte(n), a.row, a.column};
}

static sv_pos pos_end(TSNode n)
{
	TSPoint a = ts_node_end_point(n);

	return (sv_pos){ts_node_end_byte(n), a.row, a.column};
}

/* the start of the line after the one `at` is on (or the end of the source) */
static sv_pos line_after(ra_sv_parser *p, sv_pos at)
{
	const char *nl = memchr(p->src + at.b, '\n', p->len - at.b);

	if (!nl)
		return (sv_pos){p->len, at.row, at.col + (p->len - at.b)};
	return (sv_pos){(uint32_t)(nl - p->src) + 1, at.row + 1, 0};
}

/* where a piece ending at `end` gives way to one whose first item starts at `next` */
static sv_pos boundary(ra_sv_parser *p, sv_pos end, sv_pos next)
{
	return next.row > end.row ? line_after(p, end) : next;
}

static bool fits(sv_pos a, sv_pos b)
{
	return b.b - a.b <= SV_CHUNK_BYTES && b.row - a.row < SV_CHUNK_LINES;
}

static bool blank_line(ra_sv_parser *p, uint32_t b)
{
	for (; b < p->len && p->src[b] != '\n'; b++)
		if (!is_space(p->src[b], false))
			return false;
	return true;
}

/* emits [a, b) without the blank lines at its ends; nothing when it is all blank */
static int emit_chunk(ra_sv_parser *p, const char *kind, int32_t sym, sv_pos a, sv_pos b)
{
	ra_chunk ck = {.kind = kind, .sym = sym};
	uint32_t e = b.b, row = b.row, ls;

	while (a.b < e && blank_line(p, a.b)) {
		sv_pos n = line_after(p, a);

		if (n.b >= e)
			return RA_OK;
		a = n;
	}
	while (e > a.b && is_space(p->src[e - 1], false))
		if (p->src[--e] == '\n')
			row--;
	if (e <= a.b)
		return RA_OK;
	for (ls = e; ls > a.b && p->src[ls - 1] != '\n'; ls--)
		;
	ck.span = (ra_span){a.row, a.col, row, ls == a.b ? a.col + (e - ls) : e - ls};
	if (ra_grow((void **)&p->ck_text, &p->ck_cap, e - a.b + 1, 1))
		return RA_ENOMEM;
	memcpy(p->ck_text, p->src + a.b, e - a.b);
	p->ck_text[e - a.b] = '\0';
	ck.text = p->ck_text;
	return ra_model_add_chunk(p->m, &ck) < 0 ? RA_ENOMEM : RA_OK;
}

static int pk_close(ra_sv_parser *p, sv_packer *pk, sv_pos at)
{
	int rc = RA_OK;

	if (pk->has)
		rc = emit_chunk(p, pk->kind, pk->sym, pk->start, at);
	else if (at.b > pk->start.b) /* a container's tail after a nested unit: `endpackage` */
		rc = emit_chunk(p, K_OTHER, pk->scope, pk->start, at);
	if (pk->has || at.b > pk->start.b)
		pk->start = at;
	pk->has = false;
	return rc;
}

/* closes the open piece before an item starting at `next`; returns where the item's text starts */
static int pk_cut(ra_sv_parser *p, sv_packer *pk, sv_pos next, sv_pos *lead)
{
	int rc = RA_OK;

	if (pk->has)
		rc = pk_close(p, pk, boundary(p, pk->end, next));
	*lead = pk->start;
	return rc;
}

/* an item of `kind` about `sym` in `scope` begins at `a` and ends at `b` */
static int pk_item(ra_sv_parser *p, sv_packer *pk, const char *kind, int32_t sym, int32_t scope,
                   sv_pos a, sv_pos b)
{
	bool run = kind == K_SIGNATURE || kind == K_ASSIGNS || kind == K_DECLARATIONS ||
	           kind == K_OTHER;
	int rc = RA_OK;

	if (pk->has) {
		bool join = pk->kind == kind && pk->scope == scope;

		if (join && !run)
			join = pk->tiny && b.row - a.row < SV_TINY_LINES &&
			       b.row - pk->start.row < SV_MERGE_LINES && fits(pk->start, b);
		if (!join)
			rc = pk_close(p, pk, boundary(p, pk->end, a));
		else if (pk->sym != sym)
			pk->sym = scope; /* several symbols' chunk: about their scope */
	}
	if (!pk->has) {
		pk->kind = kind;
		pk->sym = sym;
		pk->scope = scope;
		pk->tiny = true;
	}
	pk->tiny = pk->tiny && b.row - a.row < SV_TINY_LINES;
	return rc;
}

/* one indivisible range of the current item */
static int pk_atom(ra_sv_parser *p, sv_packer *pk, sv_pos a, sv_pos b)
{
	int rc = RA_OK;

	if (pk->has && !fits(pk->start, b)) {
		sv_pos at = boundary(p, pk->end, a);

		rc = emit_chunk(p, pk->kind, pk->sym, pk->start, at);
		pk->start = at;
	}
	pk->has = true;
	pk->end = b;
	return rc;
}

static bool is_comment_cls(int c)
{
	return c == C_one_line_comment || c == C_block_comment;
}

/* feeds node n to the packer, split at its children when it is too big for one chunk */
static int pk_split(ra_sv_parser *p, sv_packer *pk, TSNode n, int depth)
{
	TSTreeCursor *c;
	sv_pos a = pos_start(n), b = pos_end(n);
	bool any = false;
	int rc = RA_OK;

	if (fits(a, b) || depth > SV_SPLIT_DEPTH || ts_node_named_child_count(n) == 0 ||
	    p->pool_depth >= SV_POOL)
		return pk_atom(p, pk, a, b);
	KIDS_FOR(p, n, c, k)
	{
		if (rc || !ts_node_is_named(k) || is_comment_cls(cls_of(p, k)))
			continue;
		any = true;
		rc = pk_split(p, pk, k, depth + 1);
	}
	return rc || any ? rc : pk_atom(p, pk, a, b);
}

/* symbols by the position their span starts at, for the chunks' `sym` */
static uint64_t pos_key(uint32_t row, uint32_t col)
{
	return ((uint64_t)row << 32 | col) + 1;
}

static int sym_index_build(ra_sv_parser *p)
{
	size_t cap = 64;

	while (cap < p->m->nsyms * 2)
		cap *= 2;
	if (cap > p->sx_cap) {
		ra_free(p->sx);
		p->sx = ra_calloc(cap, sizeof(*p->sx));
		if (!p->sx) {
			p->sx_cap = 0;
			return RA_ENOMEM;
		}
		p->sx_cap = cap;
	} else {
		memset(p->sx, 0, p->sx_cap * sizeof(*p->sx));
	}
	for (size_t i = 0; i < p->m->nsyms; i++) {
		const ra_sym *s = &p->m->syms[i];
		uint64_t key = pos_key(s->span.line, s->span.col);

		if (!ra_model_kind_is_unit(s->kind) && s->kind != RA_SYM_PROCESS &&
		    s->kind != RA_SYM_INSTANCE && s->kind != RA_SYM_FUNCTION &&
		    s->kind != RA_SYM_TASK && s->kind != RA_SYM_GENERATE)
			continue;
		for (size_t h = (size_t)(key * 0x9E3779B97F4A7C15u >> 32) & (p->sx_cap - 1);;
		     h = (h + 1) & (p->sx_cap - 1)) {
			if (p->sx[h].key == key)
				break; /* the first symbol at a position wins */
			if (!p->sx[h].key) {
				p->sx[h].key = key;
				p->sx[h].sym = (int32_t)i;
				break;
			}
		}
	}
	return RA_OK;
}

/* the symbol whose span starts where n starts, or `dflt` */
static int32_t sym_at(ra_sv_parser *p, TSNode n, int32_t dflt)
{
	TSPoint a = ts_node_start_point(n);
	uint64_t key = pos_key(a.row, a.column);

	if (!p->sx_cap)
		return dflt;
	for (size_t h = (size_t)(key * 0x9E3779B97F4A7C15u >> 32) & (p->sx_cap - 1);;
	     h = (h + 1) & (p->sx_cap - 1)) {
		if (!p->sx[h].key)
			return dflt;
		if (p->sx[h].key == key)
			return p->sx[h].sym;
	}
}

static bool is_unit_cls(int c)
{
	return c == C_module_declaration || c == C_interface_declaration ||
	       c == C_program_declaration || c == C_package_declaration ||
	       c == C_class_declaration || c == C_interface_class_declaration ||
	       c == C_checker_declaration || c == C_udp_declaration || c == C_config_declaration;
}

static bool is_gen_cls(int c)
{
	return c == C_loop_generate_construct || c == C_conditional_generate_construct ||
	       c == C_if_generate_construct || c == C_case_generate_construct ||
	       c == C_generate_block;
}

/* the chunk kind of an item of class c */
static const char *item_kind(int c)
{
	switch (c) {
	case C_always_construct:
	case C_initial_construct:
	case C_final_construct:
		return K_PROCESS;
	case C_continuous_assign:
	case C_net_alias:
		return K_ASSIGNS;
	case C_module_instantiation:
	case C_interface_instantiation:
	case C_program_instantiation:
	case C_checker_instantiation:
	case C_udp_instantiation:
	case C_gate_instantiation:
		return K_INSTANCE;
	case C_function_declaration:
	case C_task_declaration:
	case C_class_constructor_declaration:
		return K_SUBPROGRAM;
	case C_data_declaration:
	case C_net_declaration:
	case C_type_declaration:
	case C_parameter_declaration:
	case C_local_parameter_declaration:
	case C_port_declaration:
	case C_interface_port_declaration:
	case C_genvar_declaration:
	case C_package_import_declaration:
	case C_modport_declaration:
	case C_clocking_declaration:
	case C_class_property:
	case C_constraint_declaration:
	case C_covergroup_declaration:
	case C_property_declaration:
	case C_sequence_declaration:
	case C_function_prototype:
	case C_task_prototype:
	case C_class_constructor_prototype:
	case C_text_macro_definition:
	case C_dpi_import_export:
	case C_timeunits_declaration:
		return K_DECLARATIONS;
	default:
		return K_OTHER;
	}
}

static int chunk_unit(ra_sv_parser *p, TSNode n, sv_pos lead);
static int chunk_gen(ra_sv_parser *p, sv_packer *pk, TSNode n, int32_t scope);

/*
 * One item of a unit or generate body. `lead` tracks the unit's leading port and parameter
 * declarations (a non-ANSI header's completion), which join the signature.
 */
static int chunk_item(ra_sv_parser *p, sv_packer *pk, TSNode k, int32_t scope, bool *lead)
{
	TSNode in = k;
	int c = cls_of(p, k);
	const char *kind;
	int32_t sym;
	int rc;

	if (!ts_node_is_named(k) || is_comment_cls(c) || is_ident_cls(c) ||
	    c == C_conditional_compilation_directive || c == C_attribute_instance)
		return RA_OK; /* text between items */
	/* wrappers: the item is what they hold (a class method: its declaration, last) */
	for (int guard = 0; guard < 3; guard++) {
		uint32_t nk = ts_node_named_child_count(in);

		if ((c != C_module_item && c != C_package_item && c != C_class_item &&
		     c != C_interface_item && c != C_program_item && c != C_class_method) ||
		    nk == 0)
			break;
		in = ts_node_named_child(in, c == C_class_method ? nk - 1 : 0);
		c = cls_of(p, in);
	}
	if (c == C_generate_region && p->pool_depth + 6 < SV_POOL) {
		TSTreeCursor *cur;

		rc = RA_OK;
		KIDS_FOR(p, in, cur, e)
		{
			if (!rc)
				rc = chunk_item(p, pk, e, scope, lead);
		}
		return rc;
	}
	if (is_unit_cls(c) && p->pool_depth + 6 < SV_POOL) {
		sv_pos at;

		*lead = false;
		rc = pk_cut(p, pk, pos_start(k), &at);
		if (!rc)
			rc = chunk_unit(p, in, at);
		pk->start = pos_end(k);
		return rc;
	}
	if (is_gen_cls(c)) {
		TSNode blk = in;

		*lead = false;
		for (int guard = 0; guard < 4 && cls_of(p, blk) != C_generate_block; guard++) {
			TSTreeCursor *cur;
			TSNode next = {0};

			KIDS_FOR(p, blk, cur, e)
			{
				int ec = cls_of(p, e);

				if (ts_node_is_null(next) &&
				    (ec == C_generate_block || ec == C_if_generate_construct ||
				     ec == C_case_generate_construct || ec == C_case_generate_item))
					next = e;
			}
			if (ts_node_is_null(next))
				break;
			blk = next;
		}
		sym = sym_at(p, blk, scope);
		if (!fits(pos_start(k), pos_end(k)) && p->pool_depth + 6 < SV_POOL) {
			sv_packer inner = {.sym = scope, .scope = scope};

			rc = pk_cut(p, pk, pos_start(k), &inner.start);
			if (!rc)
				rc = chunk_gen(p, &inner, in, scope);
			if (!rc)
				rc = pk_close(p, &inner, pos_end(k));
			pk->start = pos_end(k);
			return rc;
		}
		kind = K_GENERATE;
	} else {
		kind = item_kind(c);
		if (*lead && (c == C_port_declaration || c == C_parameter_declaration ||
		              c == C_interface_port_declaration))
			kind = K_SIGNATURE;
		else
			*lead = false;
		sym = kind == K_PROCESS || kind == K_INSTANCE || kind == K_SUBPROGRAM
		              ? sym_at(p, in, scope)
		              : scope;
	}
	rc = pk_item(p, pk, kind, sym, scope, pos_start(k), pos_end(k));
	return rc ? rc : pk_split(p, pk, k, 0);
}

/* the items of a generate construct too big for one chunk, each in its block's scope */
static int chunk_gen(ra_sv_parser *p, sv_packer *pk, TSNode n, int32_t scope)
{
	TSTreeCursor *c;
	bool lead = false;
	int rc = RA_OK;

	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (rc)
			continue;
		if (kc == C_generate_block) {
			TSTreeCursor *c2;
			int32_t bs = sym_at(p, k, scope);

			KIDS_FOR(p, k, c2, e)
			{
				if (!rc)
					rc = chunk_item(p, pk, e, bs, &lead);
			}
		} else if (kc == C_if_generate_construct || kc == C_case_generate_construct ||
		           kc == C_case_generate_item || kc == C_conditional_generate_construct) {
			rc = chunk_gen(p, pk, k, scope);
		} else if (kc != C_constant_expression && kc != C_genvar_initialization &&
		           kc != C_genvar_iteration && !is_comment_cls(kc) && ts_node_is_named(k)) {
			rc = chunk_item(p, pk, k, scope, &lead); /* a branch without begin/end */
		}
	}
	return rc;
}

/* a design unit: its signature (header and leading port/parameter declarations), its items */
static int chunk_unit(ra_sv_parser *p, TSNode n, sv_pos lead)
{
	TSTreeCursor *c;
	int32_t sym = sym_at(p, n, -1);
	sv_packer pk = {.start = lead, .sym = sym, .scope = sym};
	bool sig = false, leading = true;
	int rc = RA_OK;

	/* one pass: the header (a *_header node, or up to the first `;`), then the items */
	KIDS_FOR(p, n, c, k)
	{
		int kc = cls_of(p, k);

		if (rc)
			continue;
		if (sig) {
			rc = chunk_item(p, &pk, k, sym, &leading);
		} else if (kc == C_module_ansi_header || kc == C_module_nonansi_header ||
		           kc == C_interface_ansi_header || kc == C_interface_nonansi_header ||
		           kc == C_program_ansi_header || kc == C_program_nonansi_header ||
		           kc == C_udp_ansi_declaration || kc == C_udp_nonansi_declaration) {
			sig = true;
			rc = pk_item(p, &pk, K_SIGNATURE, sym, sym, pos_start(n), pos_end(k));
			if (!rc)
				rc = pk_split(p, &pk, k, 0);
		} else if (kc == T_SEMI) {
			sig = true;
			rc = pk_item(p, &pk, K_SIGNATURE, sym, sym, pos_start(n), pos_end(k));
			if (!rc)
				rc = pk_atom(p, &pk, pos_start(n), pos_end(k));
		}
	}
	if (!rc && !sig) { /* no header to tell: the unit is its signature */
		rc = pk_item(p, &pk, K_SIGNATURE, sym, sym, pos_start(n), pos_end(n));
		if (!rc)
			rc = pk_split(p, &pk, n, 1);
	}
	return rc ? rc : pk_close(p, &pk, pos_end(n));
}

/* the file: its units, and runs of whatever lies outside them as "other" chunks */
static int chunk_file(ra_sv_parser *p, TSNode root)
{
	TSTreeCursor *c;
	sv_packer pk = {.sym = -1, .scope = -1};
	int rc = sym_index_build(p);

	KIDS_FOR(p, root, c, k)
	{
		int kc = cls_of(p, k);
		sv_pos ks = pos_start(k), cut, split, ls;

		if (rc || !ts_node_is_named(k) || is_comment_cls(kc))
			continue;
		if (!is_unit_cls(kc)) {
			rc = pk_item(p, &pk, K_OTHER, -1, -1, ks, pos_end(k));
			if (!rc)
				rc = pk_split(p, &pk, k, 0);
			continue;
		}
		/* comments above a unit are its own only when no blank line parts them from it */
		cut = pk.has ? boundary(p, pk.end, ks) : pk.start;
		split = cut;
		for (ls = cut; ls.row < ks.row; ls = line_after(p, ls))
			if (ls.col == 0 && blank_line(p, ls.b))
				split = line_after(p, ls);
		if (split.b > cut.b && pk.has)
			rc = pk_close(p, &pk, split);
		else if (split.b > cut.b)
			rc = emit_chunk(p, K_OTHER, -1, cut, split);
		else if (pk.has)
			rc = pk_close(p, &pk, cut);
		if (!rc)
			rc = chunk_unit(p, k, split);
		pk.start = pos_end(k);
		pk.has = false;
	}
	return rc ? rc : pk_close(p, &pk, pos_end(root));
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
	case C_net_assignment:
	case C_variable_assignment:
	case C_blocking_assignment:
	case C_operator_assignment:
	case C_procedural_continuous_assignment:
	case C_inc_or_dec_expression:
	case C_nonblocking_assignment:
	case C_net_decl_assignment:
	case C_variable_decl_assignment:
	case C_for_variable_declaration:
	case C_subroutine_call_statement:
	case C_cond_predicate:
	case C_case_expression:
	case C_case_item_expression:
	case C_range_list:
	case C_expression:
	case C_constant_expression:
	case C_event_control:
	case C_edge_identifier:
	case C_casting_type:
	case C_delay_or_event_control:
	case C_variable_lvalue:
	case C_net_lvalue:
	case C_nonrange_variable_lvalue:
	case C_assignment_operator:
	case C_tf_call:
	case C_method_call:
	case C_conditional_expression:
		return flow_enter(p, n, c, depth);
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
			if (flow_leave(p, depth))
				return RA_ENOMEM;
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

/* a syntax tree kept for the next parse of the same, edited text */
struct ra_sv_tree {
	TSTree *ts;
	uint32_t len; /* bytes of the text the tree describes, after the edits so far */
};

/* extracts a model from a tree of `src` */
static int extract(ra_sv_parser *p, ra_model **out, TSTree *tree, const char *src, uint32_t len,
                   ra_lang lang, unsigned flags)
{
	ra_model *m = ra_model_new(lang);
	int rc;

	if (!m)
		return RA_ENOMEM;
	p->m = m;
	p->src = src;
	p->len = len;
	p->nframes = 0;
	p->pool_depth = 0;
	p->err_depth = UINT32_MAX;
	p->implicit_depth = UINT32_MAX;
	p->ports_gen++;
	p->nports = 0;
	flow_reset(p);
	rc = walk(p, ts_tree_root_node(tree));
	if (!rc && !(flags & RA_SV_NO_CHUNKS))
		rc = chunk_file(p, ts_tree_root_node(tree));
	p->m = NULL;
	p->src = NULL;
	if (rc) {
		ra_model_free(m);
		return rc == RA_ENOMEM ? ra_error_oom() : rc;
	}
	*out = m;
	return RA_OK;
}

/* The text of a parse, read by tree-sitter, and its CPU-time budget (sv.h) */
typedef struct sv_input {
	const char *src;
	uint32_t len;
	struct timespec deadline; /* of this thread's CPU clock */
} sv_input;

static const char *sv_read(void *payload, uint32_t at, TSPoint pos, uint32_t *n)
{
	const sv_input *in = payload;

	(void)pos;
	*n = at < in->len ? in->len - at : 0;
	return in->src + (at < in->len ? at : in->len);
}

/* tree-sitter asks every 100 operations */
static bool sv_over_budget(TSParseState *st)
{
	const sv_input *in = st->payload;
	struct timespec now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	return now.tv_sec > in->deadline.tv_sec ||
	       (now.tv_sec == in->deadline.tv_sec && now.tv_nsec > in->deadline.tv_nsec);
}

/* tree-sitter's parse of src (old: NULL, or the edited tree of the text before), given up
   when it takes more CPU time than RA_SV_PARSE_BUDGET allows; NULL then, with the error set */
static TSTree *parse_within_budget(ra_sv_parser *p, const TSTree *old, const char *src,
                                   uint32_t len)
{
	sv_input in = {.src = src, .len = len};
	double budget = RA_SV_PARSE_BUDGET_S + RA_SV_PARSE_BUDGET_US_PER_KB * 1e-6 * len / 1024;
	TSTree *tree;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &in.deadline);
	in.deadline.tv_sec += (time_t)budget;
	in.deadline.tv_nsec += (long)((budget - (double)(time_t)budget) * 1e9);
	if (in.deadline.tv_nsec >= 1000000000L) {
		in.deadline.tv_sec++;
		in.deadline.tv_nsec -= 1000000000L;
	}
	tree = ts_parser_parse_with_options(
	        p->ts, old,
	        (TSInput){.payload = &in, .read = sv_read, .encoding = TSInputEncodingUTF8},
	        (TSParseOptions){.payload = &in, .progress_callback = sv_over_budget});
	if (tree)
		return tree;
	ts_parser_reset(p->ts); /* the next parse starts afresh, not where this one stopped */
	ra_error_set(RA_ETOOBIG,
	             "the SystemVerilog parser gave up after %.1f s of CPU time on these %u bytes"
	             " (error recovery in broken or unusual text can grow without bound)",
	             budget, len);
	return NULL;
}

int ra_sv_parser_parse(ra_sv_parser *p, ra_model **out, const char *src, size_t len, ra_lang lang)
{
	TSTree *tree;
	int rc;

	*out = NULL;
	if (len > UINT32_MAX)
		return ra_error_set(RA_ETOOBIG, "source of %zu bytes is over tree-sitter's 4 GiB",
		                    len);
	tree = parse_within_budget(p, NULL, src, (uint32_t)len);
	if (!tree)
		return RA_ETOOBIG;
	rc = extract(p, out, tree, src, (uint32_t)len, lang, 0);
	ts_tree_delete(tree);
	return rc;
}

int ra_sv_parser_reparse(ra_sv_parser *p, ra_model **out, ra_sv_tree **tree, const char *src,
                         size_t len, ra_lang lang, unsigned flags)
{
	ra_sv_tree *t = *tree;
	TSTree *old = NULL, *nt;
	int rc;

	*out = NULL;
	if (len > UINT32_MAX)
		return ra_error_set(RA_ETOOBIG, "source of %zu bytes is over tree-sitter's 4 GiB",
		                    len);
	if (!t) {
		t = ra_calloc(1, sizeof(*t));
		if (!t)
			return ra_error_oom();
	} else if (t->ts && t->len == len) {
		old = t->ts;
	}
	/* a tree whose edits do not add up to this text is not reused: a fresh parse is right */
	nt = parse_within_budget(p, old, src, (uint32_t)len);
	if (!nt) {
		if (t != *tree)
			ra_free(t);
		return RA_ETOOBIG;
	}
	if (t->ts)
		ts_tree_delete(t->ts);
	t->ts = nt;
	t->len = (uint32_t)len;
	*tree = t;
	rc = extract(p, out, nt, src, (uint32_t)len, lang, flags);
	return rc;
}

void ra_sv_edit_make(ra_sv_edit *out, const char *old, size_t old_len, size_t from, size_t to,
                     const char *text, size_t text_len)
{
	uint32_t row = 0, line_start = 0;
	size_t i;

	if (to > old_len)
		to = old_len;
	if (from > to)
		from = to;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < to; i++) {
		if (i == from) {
			out->start_row = row;
			out->start_col = (uint32_t)(i - line_start);
		}
		if (old[i] == '\n') {
			row++;
			line_start = (uint32_t)i + 1;
		}
	}
	if (from == to) {
		out->start_row = row;
		out->start_col = (uint32_t)(to - line_start);
	}
	out->start = (uint32_t)from;
	out->old_end = (uint32_t)to;
	out->old_end_row = row;
	out->old_end_col = (uint32_t)(to - line_start);
	out->new_end = (uint32_t)(from + text_len);
	row = out->start_row;
	line_start = 0;
	for (i = 0; i < text_len; i++)
		if (text[i] == '\n') {
			row++;
			line_start = (uint32_t)i + 1;
		}
	out->new_end_row = row;
	out->new_end_col = row == out->start_row ? out->start_col + (uint32_t)text_len
	                                         : (uint32_t)(text_len - line_start);
}

int ra_sv_tree_edit(ra_sv_tree *t, const ra_sv_edit *e)
{
	TSInputEdit te;
	uint64_t len;

	if (!t || !t->ts)
		return RA_OK;
	if (e->start > e->old_end || e->old_end > t->len || e->new_end < e->start)
		return ra_error_set(RA_ERR, "edit of bytes %u-%u is outside the tree's %u bytes",
		                    e->start, e->old_end, t->len);
	len = (uint64_t)t->len - (e->old_end - e->start) + (e->new_end - e->start);
	if (len > UINT32_MAX)
		return ra_error_set(RA_ETOOBIG, "edited text over tree-sitter's 4 GiB");
	te = (TSInputEdit){.start_byte = e->start,
	                   .old_end_byte = e->old_end,
	                   .new_end_byte = e->new_end,
	                   .start_point = {e->start_row, e->start_col},
	                   .old_end_point = {e->old_end_row, e->old_end_col},
	                   .new_end_point = {e->new_end_row, e->new_end_col}};
	ts_tree_edit(t->ts, &te);
	t->len = (uint32_t)len;
	return RA_OK;
}

void ra_sv_tree_free(ra_sv_tree *t)
{
	if (!t)
		return;
	if (t->ts)
		ts_tree_delete(t->ts);
	ra_free(t);
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
