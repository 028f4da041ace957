// render.test.ts - node's test runner over render.ts (no VS Code needed), with results shaped
// as the server sends them (taken from `rtlassist lsp` on tests/fixtures/sv).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as render from '../render';

const root = '/ws';
const loc = (file: string, line: number, ch: number): render.Location => ({
	uri: `file:///ws/${file}`,
	range: { start: { line, character: ch }, end: { line, character: ch + 3 } },
});

test('title turns field names into headings', () => {
	assert.equal(render.title('instantiatedBy'), 'Instantiated by');
	assert.equal(render.title('clock_domains'), 'Clock domains');
	assert.equal(render.title('ports'), 'Ports');
});

test('relPath is relative below the root, absolute elsewhere', () => {
	assert.equal(render.relPath('file:///ws/sv/top.sv', root), 'sv/top.sv');
	assert.equal(render.relPath('file:///other/x.sv', root), '/other/x.sv');
	assert.equal(render.relPath('file:///ws/a%20b.sv', root), 'a b.sv');
});

test('explainMarkdown renders the server result as Markdown', () => {
	const md = render.explainMarkdown(
		{
			name: 'fifo',
			kind: 'module',
			language: 'systemverilog',
			location: loc('sv/fifo.sv', 1, 7),
			comment: 'fifo.sv - a parameterised synchronous FIFO.',
			parameters: [{ name: 'DEPTH', type: 'int', default: '4' }],
			ports: [
				{ name: 'clk', direction: 'input', type: 'logic', width: '1 bit' },
				{ name: 'din', direction: 'input', type: 'logic [W-1:0]', width: 'W bits' },
			],
			submodules: [],
			instantiatedBy: [{ unit: 'top', instance: 'u_named', location: loc('sv/top.sv', 26, 28) }],
		},
		root
	);
	const lines = md.split('\n');
	assert.equal(lines[0], '# module fifo');
	assert.ok(lines.includes('*systemverilog*'));
	assert.ok(lines.includes('> fifo.sv - a parameterised synchronous FIFO.'));
	assert.ok(lines.includes('**Location**: sv/fifo.sv:2'));
	assert.ok(lines.includes('## Ports (2)'));
	assert.ok(lines.includes('| Name | Direction | Type | Width |'));
	assert.ok(lines.includes('| din | input | logic [W-1:0] | W bits |'));
	assert.ok(lines.includes('| Unit | Instance | Location |'));
	assert.ok(lines.includes('| top | u_named | sv/top.sv:27 |'));
	assert.ok(!md.includes('Submodules'), 'empty lists are left out');
});

test('explainMarkdown renders fields it does not know, nested, and streamed prose', () => {
	const md = render.explainMarkdown(
		{
			name: 'ctl',
			kind: 'module',
			stateMachines: [{ register: 'state', states: ['IDLE', 'RUN'], transitions: [{ from: 'IDLE', to: 'RUN' }] }],
			clockDomains: [{ clock: 'clk', registers: 3, async: false }],
			dataflow: { inputs: ['a', 'b'] },
			prose: 'old',
		},
		root,
		'It controls | things.'
	);
	const lines = md.split('\n');
	assert.ok(lines.includes('It controls | things.'));
	assert.ok(!lines.includes('old'));
	assert.ok(lines.includes('## State machines (1)'));
	assert.ok(lines.includes('- Register: state'));
	assert.ok(lines.includes('  States: IDLE, RUN'));
	assert.ok(lines.includes('    - From: IDLE'));
	assert.ok(lines.includes('| clk | 3 | no |'));
	assert.ok(lines.includes('## Dataflow'));
	assert.ok(lines.includes('- Inputs: a, b'));
});

test('searchRows: snippet, place and channels', () => {
	const rows = render.searchRows(
		{
			results: [
				{ ...loc('sv/fifo.sv', 15, 0), unit: 'fifo', kind: 'declarations', channels: ['lexical', 'symbol'], snippet: 'logic [AW:0] count;' },
			],
		},
		root
	);
	assert.equal(rows.length, 1);
	assert.equal(rows[0].label, 'logic [AW:0] count;');
	assert.equal(rows[0].description, 'sv/fifo.sv:16');
	assert.equal(rows[0].detail, 'fifo · declarations · lexical+symbol');
	assert.equal(rows[0].location?.range.start.line, 15);
});

test('tracePath reads drivers backwards and loads forwards', () => {
	const drivers: render.TraceHit = {
		signal: 'a', unit: 'top', where: '', depth: 2,
		hops: [
			{ from: 'x', to: 'push', kind: 'data', how: 'continuous' },
			{ from: 'a', to: 'x', kind: 'data', how: 'nonblocking', location: loc('sv/top.sv', 9, 2) },
		],
	};
	assert.equal(render.tracePath(drivers, 'drivers'), 'a -> x -> push (data nonblocking, data continuous)');
	const loads: render.TraceHit = {
		signal: 'push', unit: 'fifo', where: 'u_named', depth: 1,
		hops: [{ from: 'push', to: 'u_named.push', kind: 'port', how: 'input', location: loc('sv/top.sv', 30, 6) }],
	};
	assert.equal(render.tracePath(loads, 'loads'), 'push -> u_named.push (port input)');
	const rows = render.traceRows({ direction: 'loads', hits: [loads] }, root);
	assert.deepEqual(
		{ label: rows[0].label, description: rows[0].description, detail: rows[0].detail },
		{ label: 'u_named: push', description: 'sv/top.sv:31', detail: 'push -> u_named.push (port input)' }
	);
	const drow = render.traceRows({ direction: 'drivers', hits: [drivers] }, root)[0];
	assert.equal(drow.description, 'sv/top.sv:10', 'the hit is at its last hop');
});

test('hierarchyLabel: tops, instances, unresolved', () => {
	assert.deepEqual(render.hierarchyLabel({ path: 'tb', type: 'tb', testbench: true }, root), {
		label: 'tb',
		description: 'testbench',
	});
	assert.deepEqual(
		render.hierarchyLabel({ path: 'top.u_a', type: 'fifo', instance: 'u_a', unit: 'fifo', how: 'module', location: loc('sv/top.sv', 26, 28) }, root),
		{ label: 'u_a: fifo', description: 'sv/top.sv:27' }
	);
	assert.equal(render.hierarchyLabel({ path: 'top.u_x', type: 'ghost', instance: 'u_x', how: 'unresolved' }, root).description, 'unresolved');
});

test('progressText follows begin, report and end', () => {
	assert.equal(render.progressText({ kind: 'begin', title: 'Indexing', percentage: 0 }), '$(sync~spin) rtlassist: Indexing 0%');
	assert.equal(render.progressText({ kind: 'report', message: '12/40 files', percentage: 30 }, 'Indexing'), '$(sync~spin) rtlassist: Indexing 30% 12/40 files');
	assert.equal(render.progressText({ kind: 'end' }, 'Indexing'), undefined);
});

test('serverCommand and initializationOptions from the settings', () => {
	assert.deepEqual(render.serverCommand({}), { command: 'rtlassist', args: ['lsp'] });
	assert.deepEqual(render.serverCommand({ path: '/opt/bin/rtlassist', extraArgs: ['-v'] }), {
		command: '/opt/bin/rtlassist',
		args: ['lsp', '-v'],
	});
	assert.deepEqual(render.initializationOptions({ chatUrl: 'http://127.0.0.1:11434', completionModel: '', serverSettings: { 'chat.api_key_env': 'KEY' } }), {
		settings: { 'chat.api_key_env': 'KEY', 'chat.url': 'http://127.0.0.1:11434' },
	});
	assert.deepEqual(render.initializationOptions({ completionProvider: 'ollama', completionUrl: 'http://127.0.0.1:11434', completionModel: 'qwen2.5-coder:1.5b' }), {
		settings: { 'complete.provider': 'ollama', 'complete.url': 'http://127.0.0.1:11434', 'complete.model': 'qwen2.5-coder:1.5b' },
	});
	assert.deepEqual(render.initializationOptions({}), { settings: {} });
});
