/*
 * jsonrpc.h - JSON-RPC 2.0 messages as the Language Server Protocol uses them (jansson):
 * classifying a frame's body, building replies, errors and notifications, and stable keys for
 * request ids (for cancellation).
 *
 * Thread-safety: pure functions over jansson values; a value belongs to one thread at a time.
 */
#ifndef RA_JSONRPC_H
#define RA_JSONRPC_H

#include "base/base.h"

#include <jansson.h>

/* Error codes of JSON-RPC and LSP. */
enum {
	RA_RPC_PARSE_ERROR = -32700,
	RA_RPC_INVALID_REQUEST = -32600,
	RA_RPC_METHOD_NOT_FOUND = -32601,
	RA_RPC_INVALID_PARAMS = -32602,
	RA_RPC_INTERNAL_ERROR = -32603,
	RA_RPC_SERVER_NOT_INITIALIZED = -32002,
	RA_RPC_REQUEST_FAILED = -32803,
	RA_RPC_REQUEST_CANCELLED = -32800,
};

typedef enum {
	RA_RPC_REQUEST,      /* method and id: wants a reply */
	RA_RPC_NOTIFICATION, /* method, no id */
	RA_RPC_RESPONSE,     /* id and result or error: a reply to one of ours */
	RA_RPC_INVALID       /* not a message: reply `code` (with id when one was readable) */
} ra_rpc_kind;

typedef struct ra_rpc_msg {
	ra_rpc_kind kind;
	json_t *root;       /* owned: the whole message (NULL when the body is not JSON) */
	json_t *id;         /* borrowed from root; NULL when absent */
	const char *method; /* borrowed from root */
	json_t *params;     /* borrowed from root; NULL when absent */
	int code;           /* RA_RPC_INVALID: the error to reply */
	char error[160];    /* RA_RPC_INVALID: why */
} ra_rpc_msg;

/* Parses and classifies one body. Never fails: malformed input gives RA_RPC_INVALID with the
 * code and message to reply. Free with ra_rpc_msg_clear. */
void ra_rpc_parse(ra_rpc_msg *out, const char *body, size_t len);
void ra_rpc_msg_clear(ra_rpc_msg *m);

/* A reply to `id` (borrowed; NULL means null) carrying `result` (stolen; NULL means null). */
json_t *ra_rpc_result(json_t *id, json_t *result);
/* An error reply to `id` (borrowed; NULL means null). */
json_t *ra_rpc_error(json_t *id, int code, const char *message);
/* A notification or a request (id > 0) from the server; params stolen (may be NULL). */
json_t *ra_rpc_notification(const char *method, json_t *params);
json_t *ra_rpc_request(int64_t id, const char *method, json_t *params);

/* A key naming an id: "i:42" or "s:abc" (cut to n-1 bytes). False for a NULL or invalid id. */
bool ra_rpc_id_key(char *buf, size_t n, json_t *id);

#endif /* RA_JSONRPC_H */
