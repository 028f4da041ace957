/*
 * graph.h - the design graph built at index time: which unit every instance instantiates, the
 * instance trees below the tops, and signal dataflow joined across the hierarchy.
 *
 * Design:
 *  - ra_graph_resolve runs after every indexing pass that changed files. It reads the units and
 *    instances the front ends stored and rewrites two tables in the caller's transaction:
 *      inst_targets(inst_id, unit_id, body_id, how): the unit an instance instantiates (unit_id,
 *        NULL when unresolved), the symbol holding that unit's contents (body_id: the module
 *        itself, or the VHDL architecture used), and how the name was bound (see RA_GRAPH_HOW).
 *      graph_units(body_id, unit_id, is_default, ninst, testbench): every instantiable unit with
 *        each of its bodies, how many instances bind it (0: a top) and the testbench mark.
 *    A full re-resolve is cheap (one pass over units and instances, in memory), so it is
 *    recomputed whole — symbol ids change whenever a file is re-parsed, and a change in one
 *    file can re-bind instances in any other — and inst_targets is written by difference.
 *  - Binding rules. SystemVerilog: a module/interface/program/primitive/checker of the exact
 *    name, else a VHDL entity whose name folds equal (mixed language). VHDL `entity lib.e(a)`:
 *    the entity in that library (work = the instantiating file's library), then in any library,
 *    then a SystemVerilog module that folds equal; architecture `a` when named, else the default
 *    (the last one found: path order, then line). VHDL components: default binding, an entity of
 *    the component's name in the file's library, then any library, then a SystemVerilog module.
 *    `configuration lib.c`: the configuration's entity. When several units qualify equally, one
 *    in the instantiating file wins, else the first by path. Verilog gate primitives are marked
 *    builtin; everything else that matches nothing is unresolved and stays listed.
 *  - Testbench heuristic (documented in README): a top is marked a testbench when it has no
 *    ports, or its name is tb / starts with tb_ or test_ / ends with _tb, _tb_top, _test,
 *    _testbench / contains testbench, or its file sits below a folder named tb, test, tests,
 *    testbench, sim, dv, verif or bench.
 *  - Queries open a ra_graph on a store: it caches per unit its ports, instances and parsed
 *    connections, so that one query (or many, from the daemon) reads each unit once. A unit's
 *    instances, generate scopes and ports are one range of the partial index symbols_graph
 *    (store.c), never a scan of the unit's file.
 *  - A trace reads only what the signals it reaches touch: per (unit, signal) the flows each
 *    way and the instances whose connections name the signal (conn_keys, written by the store
 *    from the same lexer as ra_graph_idents), each read once per handle; an instance alone
 *    (its row, generate scopes, connections) where a hop passes through it. A big unit (a
 *    register block with 1,400 instances, a testbench) costs what the trace uses of it.
 *  - A handle kept across requests (a daemon's, the LSP server's) calls ra_graph_refresh
 *    before each one: the cache is dropped when the index changed since it was filled, or when
 *    it has grown past 256 MB.
 *  - Dataflow: the flows table gives per-unit edges source -> target. Port connections join
 *    units: identifiers of a parent's actual expression (a small lexer here) feed a child input
 *    port; a child output port feeds them. A trace walks these edges breadth-first with the
 *    instance path as context, so going down into u_a and back up returns through u_a only;
 *    above the starting unit every instantiation site is followed.
 *
 * Thread-safety: a ra_graph uses its store's connection; same rules as the store.
 * Strings in callbacks are borrowed for the duration of the call.
 */
#ifndef RA_GRAPH_H
#define RA_GRAPH_H

#include "indexer/store.h"

/* Rebuilds inst_targets and graph_units from the symbols in the store. Runs inside the
 * caller's write transaction. Returns 0, RA_ENOMEM, RA_ERR (SQLite). */
int ra_graph_resolve(ra_store *st);

typedef struct ra_graph ra_graph;

/* A query handle over `st` (borrowed; must outlive the handle). Free with ra_graph_close. */
int ra_graph_open(ra_graph **out, ra_store *st);
void ra_graph_close(ra_graph *g);

/*
 * Drops what the handle cached (bodies, ports, units found) when the index changed since:
 * another connection committed (PRAGMA data_version) or this one wrote; or when the cache holds
 * more than 256 MB. Returns true when it dropped. Every pointer the handle returned before a
 * drop (ports, units found, node and hit strings) is invalid after it; so a long-lived handle
 * calls this between requests, never while it holds such pointers. A handle opened per request
 * never needs it.
 */
bool ra_graph_refresh(ra_graph *g);

/* How an instance was bound (inst_targets.how). */
#define RA_GRAPH_HOW_MODULE "module"               /* SystemVerilog unit, exact name */
#define RA_GRAPH_HOW_MIXED "mixed"                 /* across languages, case-folded name */
#define RA_GRAPH_HOW_ENTITY "entity"               /* VHDL direct entity instantiation */
#define RA_GRAPH_HOW_COMPONENT "component"         /* VHDL component, default binding */
#define RA_GRAPH_HOW_CONFIGURATION "configuration" /* VHDL configuration instantiation */
#define RA_GRAPH_HOW_BUILTIN "builtin"             /* Verilog gate primitive */
#define RA_GRAPH_HOW_UNRESOLVED "unresolved"

/* One parameter / generic override of an instance. */
typedef struct ra_graph_param {
	const char *formal; /* NULL when positional */
	int position;
	const char *actual;
} ra_graph_param;

/* One node of an instance tree (the root is the top unit itself). */
typedef struct ra_graph_node {
	int depth;         /* 0 for the root */
	const char *path;  /* top.g_lane.u_lane: instance names and generate scopes, from the top */
	const char *inst;  /* instance name; NULL for the root */
	const char *scope; /* generate scopes / blocks between the parent unit and the instance
			      ("g_lane" or "g_a.g_b"), NULL when none */
	const char *type;  /* the name as instantiated (root: the unit's name) */
	const char *unit;  /* resolved unit name, NULL when unresolved or builtin */
	const char *kind;  /* resolved unit kind ("module", "entity", ...) */
	const char *lang;  /* resolved unit language */
	const char *arch;  /* VHDL architecture used, NULL otherwise */
	const char *how;   /* RA_GRAPH_HOW_*; NULL for the root */
	const char *file;  /* instance location (root: the unit's) */
	ra_span span;
	const char *unit_file; /* where the unit is defined, NULL when unresolved */
	ra_span unit_span;
	const ra_graph_param *params;
	size_t nparams;
	bool recursive;  /* the unit is already on the path above: not descended */
	bool truncated;  /* children exist below the depth limit */
	bool testbench;  /* root only: the top looks like a testbench */
	int64_t unit_id; /* resolved unit's symbol id, 0 when none */
	int64_t body_id; /* the body walked for children, 0 when none */
} ra_graph_node;

typedef int (*ra_graph_node_cb)(const ra_graph_node *node, void *payload);

/* A unit as named on the command line. */
typedef struct ra_graph_unit {
	int64_t id, body_id;
	const char *name, *kind, *lang, *file;
	ra_span span;
	int ndefs; /* how many units carry this name (the first by path is used) */
} ra_graph_unit;

/*
 * Finds the instantiable unit `name` (exact for SystemVerilog, folded for VHDL; a VHDL
 * configuration names its entity). Fills *out (strings owned by the handle, valid until it is
 * closed or ra_graph_refresh drops). RA_ENOTFOUND with a message when there is none.
 */
int ra_graph_unit_find(ra_graph *g, const char *name, ra_graph_unit *out);

/* Calls fn for each top (a unit no instance binds) as a root node (depth 0), ordered by name.
 * Tops without instances and interfaces are included. */
int ra_graph_tops(ra_graph *g, ra_graph_node_cb fn, void *payload);

/*
 * Walks the instance tree below `unit_id`/`body_id` in pre-order (the root first), at most
 * max_depth levels below the root (<= 0: unlimited). A unit that appears again on its own path
 * is reported with `recursive` and not descended. A non-zero return from fn stops the walk.
 */
int ra_graph_tree(ra_graph *g, int64_t unit_id, int64_t body_id, int max_depth, ra_graph_node_cb fn,
                  void *payload);

/* Every instance that binds nothing (unresolved), as nodes whose `path` is "unit.scope.inst". */
int ra_graph_unresolved(ra_graph *g, ra_graph_node_cb fn, void *payload);

/* ---- dataflow ------------------------------------------------------------------------------ */

/* One step of an explanation. */
typedef struct ra_graph_hop {
	const char *from, *to; /* signal keys: the edge goes from `from` to `to` */
	const char *unit;      /* unit where `to` lives (the flow's unit for flows) */
	const char *where;     /* instance context of that unit relative to the start unit */
	const char *kind;      /* "data" "control" "clock" "reset" "port" */
	const char *how;       /* "continuous" "blocking" "nonblocking" "call"; ports: "input"
			          "output" "inout" */
	const char *file;
	uint32_t line, col; /* 0-based */
} ra_graph_hop;

/* One signal found by a trace, with the hops from the traced signal to it. */
typedef struct ra_graph_hit {
	const char *signal;
	const char *unit;
	const char *where; /* "" for the start unit; "u_a/g_x/u_b" below it; "^parent" above */
	int depth;
	const ra_graph_hop *hops; /* hops[0] touches the traced signal, hops[nhops-1] this one */
	size_t nhops;
} ra_graph_hit;

typedef int (*ra_graph_hit_cb)(const ra_graph_hit *hit, void *payload);

typedef enum { RA_GRAPH_DRIVERS, RA_GRAPH_LOADS } ra_graph_dir;

/* Hits a trace returns when the caller sets no cap: what an editor or a terminal shows; a trace
 * costs about what it returns, so the cap also bounds its time. */
#define RA_GRAPH_MAX_HITS_DEFAULT 1000

typedef struct ra_graph_trace_opts {
	ra_graph_dir dir;
	int max_depth;   /* hops; <= 0 unlimited */
	bool cone;       /* stay at or below the start unit (fan-in / fan-out cone) */
	size_t max_hits; /* 0: RA_GRAPH_MAX_HITS_DEFAULT */
} ra_graph_trace_opts;

/*
 * Drivers or loads of `signal` in `unit` (as found by ra_graph_unit_find), breadth-first, each
 * hit once (per instance context) with the path that explains it. RA_ENOTFOUND with a message
 * when the unit has no such signal (no port, declaration or flow of that name). The walk stops
 * at max_hits hits and sets *truncated: being breadth-first, the hits returned are then the
 * nearest ones, the same as the first max_hits of an uncapped trace.
 */
int ra_graph_trace(ra_graph *g, const ra_graph_unit *unit, const char *signal,
                   const ra_graph_trace_opts *opts, ra_graph_hit_cb fn, void *payload,
                   bool *truncated);

/* One clocked register: `reg` is written in an edge-triggered block clocked by `clock`. */
typedef struct ra_graph_domain {
	const char *clock; /* clock signal key */
	const char *reset; /* asynchronous reset key, NULL when none */
	const char *reg;   /* register key */
	const char *file;
	uint32_t line, col; /* the clock edge */
} ra_graph_domain;

typedef int (*ra_graph_domain_cb)(const ra_graph_domain *d, void *payload);

/* Clock and reset domains of a unit: one call per (clock, register), ordered by clock, then
 * register; `reset` the register's reset, if any. */
int ra_graph_domains(ra_graph *g, const ra_graph_unit *unit, ra_graph_domain_cb fn, void *payload);

/* One flow edge inside a unit, for pictures. */
typedef struct ra_graph_edge {
	const char *source, *target;
	const char *kind, *how;
	uint32_t line;
} ra_graph_edge;

typedef int (*ra_graph_edge_cb)(const ra_graph_edge *e, void *payload);

/* Every distinct flow edge of the unit's body (source, target, kind), ordered. */
int ra_graph_edges(ra_graph *g, const ra_graph_unit *unit, ra_graph_edge_cb fn, void *payload);

/* One port of a unit; dir as written ("input", "in", "interface", ...). */
typedef struct ra_graph_port {
	const char *name, *key, *dir;
} ra_graph_port;

/* The ports of the unit in declaration order; *out is borrowed from the handle (until
 * ra_graph_refresh drops its cache). */
int ra_graph_ports(ra_graph *g, int64_t unit_id, const ra_graph_port **out, size_t *n);

/* One port connection of an instance inside a unit, for pictures: one per identifier of the
 * actual expression. */
typedef struct ra_graph_pconn {
	const char *inst;   /* instance name */
	const char *scope;  /* its generate scopes, NULL when none */
	const char *unit;   /* the instantiated unit */
	const char *port;   /* the child's port */
	const char *dir;    /* the port's direction as written */
	const char *signal; /* the parent's signal key */
} ra_graph_pconn;

typedef int (*ra_graph_pconn_cb)(const ra_graph_pconn *c, void *payload);

/* Every port connection of every resolved instance in the unit's body, by instance. */
int ra_graph_port_conns(ra_graph *g, const ra_graph_unit *unit, ra_graph_pconn_cb fn,
                        void *payload);

/* Identifier keys in an expression (`din[7:0]` -> din; `{a, b.c}` -> a, b; numbers, strings,
 * system functions, package-scoped names and VHDL keywords skipped). VHDL keys are folded.
 * Calls fn(key, payload) for each occurrence; the key is borrowed. Exposed for tests. */
int ra_graph_idents(const char *expr, bool vhdl, int (*fn)(const char *key, void *payload),
                    void *payload);

#endif /* RA_GRAPH_H */
