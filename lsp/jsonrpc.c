/* jsonrpc.c - JSON-RPC 2.0 message classification and construction (see jsonrpc.h). */
#include "lsp/jsonrpc.h"

#include <stdio.h>
#include <string.h>

static void invalid(ra_rpc_msg *m, int code, const char *why)
{
	m->kind = RA_RPC_INVALID;
	m->code = code;
	snprintf(m->error, sizeof(m->error), "%s", why);
}

void ra_rpc_parse(ra_rpc_msg *m, const char *body, size_t len)
{
	json_error_t err;
	json_t *v, *jsonrpc;

	memset(m, 0, sizeof(*m));
	m->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (!m->root) {
		m->kind = RA_RPC_INVALID;
		m->code = RA_RPC_PARSE_ERROR;
		snprintf(m->error, sizeof(m->error), "parse error at byte %d: %.100s", err.position,
		         err.text);
		return;
	}
	if (!json_is_object(m->root)) {
		invalid(m, RA_RPC_INVALID_REQUEST,
		        json_is_array(m->root) ? "batches are not supported" : "not an object");
		return;
	}
	v = json_object_get(m->root, "id");
	if (v && (json_is_string(v) || json_is_integer(v)))
		m->id = v;
	jsonrpc = json_object_get(m->root, "jsonrpc");
	if (!json_is_string(jsonrpc) || strcmp(json_string_value(jsonrpc), "2.0") != 0) {
		invalid(m, RA_RPC_INVALID_REQUEST, "\"jsonrpc\" must be \"2.0\"");
		return;
	}
	if (v && !m->id) {
		invalid(m, RA_RPC_INVALID_REQUEST, "id must be a string or an integer");
		return;
	}
	v = json_object_get(m->root, "method");
	if (!v) {
		if (m->id &&
		    (json_object_get(m->root, "result") || json_object_get(m->root, "error"))) {
			m->kind = RA_RPC_RESPONSE;
			return;
		}
		invalid(m, RA_RPC_INVALID_REQUEST, "no method");
		return;
	}
	if (!json_is_string(v)) {
		invalid(m, RA_RPC_INVALID_REQUEST, "method must be a string");
		return;
	}
	m->method = json_string_value(v);
	m->params = json_object_get(m->root, "params");
	if (m->params && !json_is_object(m->params) && !json_is_array(m->params)) {
		if (json_is_null(m->params)) {
			m->params = NULL;
		} else {
			invalid(m, RA_RPC_INVALID_REQUEST, "params must be an object or an array");
			return;
		}
	}
	m->kind = m->id ? RA_RPC_REQUEST : RA_RPC_NOTIFICATION;
}

void ra_rpc_msg_clear(ra_rpc_msg *m)
{
	if (!m)
		return;
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

json_t *ra_rpc_result(json_t *id, json_t *result)
{
	json_t *o = json_object();

	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set(o, "id", id ? id : json_null());
	json_object_set_new(o, "result", result ? result : json_null());
	return o;
}

json_t *ra_rpc_error(json_t *id, int code, const char *message)
{
	json_t *o = json_object();

	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set(o, "id", id ? id : json_null());
	json_object_set_new(o, "error",
	                    json_pack("{s:i, s:s}", "code", code, "message",
	                              message && *message ? message : "error"));
	return o;
}

json_t *ra_rpc_notification(const char *method, json_t *params)
{
	json_t *o = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);

	if (params)
		json_object_set_new(o, "params", params);
	return o;
}

json_t *ra_rpc_request(int64_t id, const char *method, json_t *params)
{
	json_t *o = ra_rpc_notification(method, params);

	json_object_set_new(o, "id", json_integer(id));
	return o;
}

bool ra_rpc_id_key(char *buf, size_t n, json_t *id)
{
	if (json_is_integer(id))
		snprintf(buf, n, "i:%lld", (long long)json_integer_value(id));
	else if (json_is_string(id))
		snprintf(buf, n, "s:%s", json_string_value(id));
	else
		return false;
	return true;
}
