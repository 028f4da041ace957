// render.ts - the extension's own logic, free of the `vscode` module so that node's test runner
// checks it: Markdown for rtlassist/explain (generic: every field the server sends is rendered,
// in the server's order, so fields added later appear without a change here), the rows of
// search and trace results, hierarchy labels, the status bar text of index progress, and the
// server's command line and initializationOptions from the settings.
import { fileURLToPath } from 'url';
import * as path from 'path';

export interface Position {
	line: number;
	character: number;
}
export interface Range {
	start: Position;
	end: Position;
}
export interface Location {
	uri: string;
	range: Range;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isLocation(v: unknown): v is Location {
	return (
		typeof v === 'object' &&
		v !== null &&
		typeof (v as Location).uri === 'string' &&
		typeof (v as Location).range === 'object'
	);
}

function isObject(v: unknown): v is { [key: string]: Json } {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "instantiatedBy" -> "Instantiated by", "clock_domains" -> "Clock domains" */
export function title(key: string): string {
	const s = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a} ${b.toLowerCase()}`);
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The file of a URI, relative to root when below it. */
export function relPath(uri: string, root?: string): string {
	let file: string;
	try {
		file = fileURLToPath(uri);
	} catch {
		return uri;
	}
	if (root) {
		const rel = path.relative(root, file);
		if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
			return rel;
		}
	}
	return file;
}

export function locationText(loc: Location, root?: string): string {
	return `${relPath(loc.uri, root)}:${loc.range.start.line + 1}`;
}

/** One line of text for a scalar, a location or a list of scalars; undefined for structures. */
function scalar(v: unknown, root?: string): string | undefined {
	if (v === null || v === undefined) {
		return undefined;
	}
	if (typeof v === 'boolean') {
		return v ? 'yes' : 'no';
	}
	if (typeof v === 'string' || typeof v === 'number') {
		return String(v);
	}
	if (isLocation(v)) {
		return locationText(v, root);
	}
	if (Array.isArray(v) && v.every((x) => !(typeof x === 'object' && x !== null) || isLocation(x))) {
		return v.map((x) => scalar(x, root) ?? '').join(', ');
	}
	return undefined;
}

function isFlat(o: unknown): boolean {
	return isObject(o) && !isLocation(o) && Object.values(o).every((v) => scalar(v, '/') !== undefined || v === null);
}

function cell(s: string): string {
	return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function renderValue(out: string[], v: unknown, root: string | undefined, indent: string): void {
	const s = scalar(v, root);
	if (s !== undefined) {
		out.push(indent + s);
		return;
	}
	if (Array.isArray(v)) {
		if (indent === '' && v.length > 0 && v.every(isFlat)) {
			const cols: string[] = [];
			for (const o of v as { [key: string]: Json }[]) {
				for (const k of Object.keys(o)) {
					if (!cols.includes(k)) {
						cols.push(k);
					}
				}
			}
			// places last
			cols.sort((a, b) => Number(a === 'location') - Number(b === 'location'));
			out.push('| ' + cols.map(title).join(' | ') + ' |');
			out.push('|' + cols.map(() => '---').join('|') + '|');
			for (const o of v as { [key: string]: Json }[]) {
				out.push('| ' + cols.map((k) => cell(scalar(o[k], root) ?? '')).join(' | ') + ' |');
			}
			return;
		}
		for (const o of v) {
			if (isObject(o) && !isLocation(o)) {
				let first = true;
				for (const [k, x] of Object.entries(o)) {
					const prefix = first ? indent + '- ' : indent + '  ';
					const t = scalar(x, root);
					if (t !== undefined) {
						out.push(`${prefix}${title(k)}: ${t}`);
						first = false;
					} else if (typeof x === 'object' && x !== null) {
						out.push(`${prefix}${title(k)}:`);
						first = false;
						renderValue(out, x, root, indent + '    ');
					}
				}
			} else {
				out.push(indent + '- ' + (scalar(o, root) ?? ''));
			}
		}
		return;
	}
	if (isObject(v)) {
		for (const [k, x] of Object.entries(v)) {
			const t = scalar(x, root);
			if (t !== undefined) {
				out.push(`${indent}- ${title(k)}: ${t}`);
			} else if (typeof x === 'object' && x !== null) {
				out.push(`${indent}- ${title(k)}:`);
				renderValue(out, x, root, indent + '    ');
			}
		}
	}
}

const HEAD = new Set(['name', 'kind', 'language', 'comment', 'prose']);

/** Markdown of an rtlassist/explain result; `prose` (streamed text) replaces the result's own. */
export function explainMarkdown(r: { [key: string]: unknown }, root?: string, prose?: string): string {
	const out: string[] = [];
	out.push('# ' + [r.kind, r.name].filter((x) => typeof x === 'string').join(' '));
	if (typeof r.language === 'string') {
		out.push(`*${r.language}*`);
	}
	if (typeof r.comment === 'string' && r.comment !== '') {
		out.push('');
		for (const l of r.comment.split('\n')) {
			out.push('> ' + l);
		}
	}
	const text = prose || (typeof r.prose === 'string' ? r.prose : '');
	if (text) {
		out.push('', text);
	}
	for (const [k, v] of Object.entries(r)) {
		if (HEAD.has(k) || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) {
			continue;
		}
		out.push('');
		const s = Array.isArray(v) ? undefined : scalar(v, root);
		if (s !== undefined) {
			out.push(`**${title(k)}**: ${s}`);
		} else {
			out.push(`## ${title(k)}` + (Array.isArray(v) ? ` (${v.length})` : ''));
			renderValue(out, v, root, '');
		}
	}
	return out.join('\n') + '\n';
}

export interface SearchHit extends Location {
	unit?: string;
	kind?: string;
	score?: number;
	channels?: string[];
	snippet?: string;
}

export interface Row {
	label: string;
	description: string;
	detail: string;
	location?: Location;
}

/** Quick pick rows for an rtlassist/search result. */
export function searchRows(r: { results?: SearchHit[] }, root?: string): Row[] {
	return (r.results ?? []).map((hit) => ({
		label: (hit.snippet ?? '').trim() || '(no text)',
		description: locationText(hit, root),
		detail: [hit.unit, hit.kind, (hit.channels ?? []).join('+')].filter((x) => x).join(' · '),
		location: { uri: hit.uri, range: hit.range },
	}));
}

export interface Hop {
	from: string;
	to: string;
	kind?: string;
	how?: string;
	unit?: string;
	location?: Location;
}
export interface TraceHit {
	signal: string;
	unit: string;
	where: string;
	depth: number;
	hops: Hop[];
}

/** The hops of a hit in the direction data flows: "din -> push (data call)". Hops run from the
 * traced signal to the hit, so a drivers trace is read backwards. */
export function tracePath(hit: TraceHit, direction: string): string {
	const hops = direction === 'loads' ? hit.hops : [...hit.hops].reverse();
	if (hops.length === 0) {
		return hit.signal;
	}
	const names = [hops[0].from, ...hops.map((h) => h.to)];
	const kinds = hops.map((h) => [h.kind, h.how].filter((x) => x).join(' '));
	return `${names.join(' -> ')} (${kinds.join(', ')})`;
}

/** Quick pick rows for an rtlassist/trace result: each hit at its last hop's place. */
export function traceRows(r: { direction: string; hits?: TraceHit[] }, root?: string): Row[] {
	return (r.hits ?? []).map((hit) => {
		let loc: Location | undefined;
		for (const h of hit.hops) {
			if (h.location) {
				loc = h.location;
			}
		}
		return {
			label: (hit.where ? hit.where + ': ' : '') + hit.signal,
			description: loc ? locationText(loc, root) : '',
			detail: tracePath(hit, r.direction),
			location: loc,
		};
	});
}

export interface HierNode {
	path: string;
	type: string;
	instance?: string;
	unit?: string;
	kind?: string;
	how?: string;
	location?: Location;
	recursive?: boolean;
	truncated?: boolean;
	testbench?: boolean;
	children?: HierNode[];
}

/** The label and description of a hierarchy node in the tree view. */
export function hierarchyLabel(n: HierNode, root?: string): { label: string; description: string } {
	const top = n.instance === undefined;
	let label = top ? n.type : `${n.instance}: ${n.type}`;
	if (!top && n.unit && n.unit !== n.type) {
		label += ` -> ${n.unit}`;
	}
	const notes: string[] = [];
	if (top && n.testbench) {
		notes.push('testbench');
	}
	if (!top && (n.how === 'unresolved' || (n.unit === undefined && n.how !== 'builtin'))) {
		notes.push('unresolved');
	}
	if (n.recursive) {
		notes.push('recursive');
	}
	if (n.truncated) {
		notes.push('…');
	}
	if (n.location) {
		notes.push(locationText(n.location, root));
	}
	return { label, description: notes.join('  ') };
}

/** Status bar text for a work-done progress value; undefined when it has ended. */
export function progressText(
	value: { kind: string; title?: string; message?: string; percentage?: number },
	lastTitle?: string
): string | undefined {
	if (value.kind === 'end') {
		return undefined;
	}
	const t = value.title ?? lastTitle ?? 'Indexing';
	const pct = typeof value.percentage === 'number' ? ` ${Math.round(value.percentage)}%` : '';
	const msg = value.message ? ` ${value.message}` : '';
	return `$(sync~spin) rtlassist: ${t}${pct}${msg}`;
}

export interface Settings {
	path?: string;
	extraArgs?: string[];
	completionUrl?: string;
	completionModel?: string;
	completionProvider?: string;
	chatProvider?: string;
	chatUrl?: string;
	chatModel?: string;
	serverSettings?: { [key: string]: unknown };
}

/** The server's command line: `rtlassist lsp [extra args]`. */
export function serverCommand(s: Settings): { command: string; args: string[] } {
	return { command: s.path || 'rtlassist', args: ['lsp', ...(s.extraArgs ?? [])] };
}

/** initializationOptions: {"settings": {KEY: VALUE}} with KEY as in .rtlassist.toml; only
 * the settings given (non-empty) are sent, so the files decide the rest. */
export function initializationOptions(s: Settings): { settings: { [key: string]: unknown } } {
	const settings: { [key: string]: unknown } = {};
	for (const [k, v] of Object.entries(s.serverSettings ?? {})) {
		settings[k] = v;
	}
	const named: [string, string | undefined][] = [
		['complete.provider', s.completionProvider],
		['complete.url', s.completionUrl],
		['complete.model', s.completionModel],
		['chat.provider', s.chatProvider],
		['chat.url', s.chatUrl],
		['chat.model', s.chatModel],
	];
	for (const [k, v] of named) {
		if (v) {
			settings[k] = v;
		}
	}
	return { settings };
}
