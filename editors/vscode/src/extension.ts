// extension.ts - the VS Code client: starts `rtlassist lsp` for Verilog, SystemVerilog and VHDL
// (inline completion through the language client's proposed features), shows index progress in
// the status bar, and adds the commands Explain Module (Markdown preview beside the code,
// refreshed as streamed prose arrives), Search Repository (quick pick with previews), Show
// Hierarchy (tree view), Trace Drivers / Loads (quick pick of hits with their paths) and Show
// Graph (`rtlassist graph UNIT --format svg` in a webview). What is shown is built by render.ts.
import * as vscode from 'vscode';
import { execFile } from 'child_process';
import {
	LanguageClient,
	LanguageClientOptions,
	ProgressType,
	ServerOptions,
	WorkDoneProgress,
	WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';
import * as render from './render';

const SELECTOR = ['verilog', 'systemverilog', 'vhdl'].map((language) => ({ scheme: 'file', language }));
const EXPLAIN_SCHEME = 'rtlassist-explain';

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem;
let tokenCounter = 0;

function settings(): render.Settings {
	const c = vscode.workspace.getConfiguration('rtlassist');
	return {
		path: c.get<string>('path'),
		extraArgs: c.get<string[]>('extraArgs'),
		completionProvider: c.get<string>('completion.provider'),
		chatProvider: c.get<string>('chat.provider'),
		completionUrl: c.get<string>('completion.url'),
		completionModel: c.get<string>('completion.model'),
		chatUrl: c.get<string>('chat.url'),
		chatModel: c.get<string>('chat.model'),
		serverSettings: c.get<{ [key: string]: unknown }>('serverSettings'),
	};
}

function root(): string | undefined {
	return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function toRange(r: render.Range): vscode.Range {
	return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

async function open(loc: render.Location, preview = false): Promise<void> {
	const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
	const range = toRange(loc.range);
	await vscode.window.showTextDocument(doc, { preview, preserveFocus: preview, selection: range });
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
	const s = settings();
	const cmd = render.serverCommand(s);
	const serverOptions: ServerOptions = { command: cmd.command, args: cmd.args };
	const clientOptions: LanguageClientOptions = {
		documentSelector: SELECTOR,
		initializationOptions: render.initializationOptions(s),
		synchronize: {
			fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{v,vh,sv,svh,svi,vhd,vhdl,vho}'),
		},
	};
	client = new LanguageClient('rtlassist', 'rtlassist', serverOptions, clientOptions);
	client.registerProposedFeatures(); // textDocument/inlineCompletion (LSP 3.18)
	// index progress in the status bar (the server's work-done progress)
	client.onRequest(WorkDoneProgressCreateRequest.type, (params) => {
		let lastTitle: string | undefined;
		client?.onProgress(WorkDoneProgress.type, params.token, (value) => {
			if (value.kind === 'begin') {
				lastTitle = value.title;
			}
			const text = render.progressText(value, lastTitle);
			status.text = text ?? '$(check) rtlassist';
			status.tooltip = text ? undefined : 'rtlassist: index up to date';
		});
		return null;
	});
	status.text = '$(sync~spin) rtlassist: starting';
	status.show();
	await client.start();
	status.text = '$(check) rtlassist';
	context.subscriptions.push({ dispose: () => void client?.stop() });
}

function need(): LanguageClient {
	if (!client) {
		throw new Error('rtlassist: the server is not running');
	}
	return client;
}

function positionParams(editor: vscode.TextEditor) {
	return {
		textDocument: { uri: editor.document.uri.toString() },
		position: { line: editor.selection.active.line, character: editor.selection.active.character },
	};
}

/** The unit named, else the unit around the cursor. */
async function unitAtCursor(): Promise<string | undefined> {
	const editor = vscode.window.activeTextEditor;
	if (!editor) {
		return vscode.window.showInputBox({ prompt: 'Design unit' });
	}
	const r = await need().sendRequest<{ name?: string }>('rtlassist/explain', positionParams(editor));
	return r?.name;
}

// ---- Explain Module: a virtual Markdown document previewed beside the code -----------------
class ExplainDocs implements vscode.TextDocumentContentProvider {
	private texts = new Map<string, string>();
	private changed = new vscode.EventEmitter<vscode.Uri>();
	readonly onDidChange = this.changed.event;
	set(uri: vscode.Uri, text: string): void {
		this.texts.set(uri.toString(), text);
		this.changed.fire(uri);
	}
	provideTextDocumentContent(uri: vscode.Uri): string {
		return this.texts.get(uri.toString()) ?? '';
	}
}

async function explain(docs: ExplainDocs): Promise<void> {
	const c = need();
	const editor = vscode.window.activeTextEditor;
	const params: { [key: string]: unknown } = editor
		? positionParams(editor)
		: { unit: await vscode.window.showInputBox({ prompt: 'Design unit' }) };
	const uri = vscode.Uri.parse(`${EXPLAIN_SCHEME}:explain-${++tokenCounter}.md`);
	let prose = '';
	let shown = false;
	const show = async (r: { [key: string]: unknown }) => {
		docs.set(uri, render.explainMarkdown(r, root(), prose || undefined));
		if (!shown) {
			shown = true;
			await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
		}
	};
	let sub: vscode.Disposable | undefined;
	if (vscode.workspace.getConfiguration('rtlassist').get<boolean>('explain.prose')) {
		const token = `rtlassist-explain-${tokenCounter}`;
		params.prose = true;
		params.partialResultToken = token;
		sub = c.onProgress(new ProgressType<{ delta?: string }>(), token, (v) => {
			if (typeof v?.delta === 'string') {
				prose += v.delta;
				void show({ kind: 'explaining', name: (params.unit as string) ?? '' });
			}
		});
	}
	try {
		let r: { [key: string]: unknown };
		try {
			r = await c.sendRequest('rtlassist/explain', params);
		} catch (e) {
			if (!sub) {
				throw e;
			}
			// a server without a chat model may refuse prose: ask for the structure alone
			delete params.prose;
			delete params.partialResultToken;
			r = await c.sendRequest('rtlassist/explain', params);
		}
		await show(r);
	} finally {
		sub?.dispose();
	}
}

// ---- Search Repository: results as the query is typed, previews while moving -----------------
async function search(): Promise<void> {
	const c = need();
	type Item = vscode.QuickPickItem & { location?: render.Location };
	const qp = vscode.window.createQuickPick<Item>();
	qp.placeholder = 'Search the repository in words or identifiers';
	qp.matchOnDescription = true;
	qp.matchOnDetail = true;
	let timer: NodeJS.Timeout | undefined;
	let seq = 0;
	qp.onDidChangeValue((value) => {
		if (timer) {
			clearTimeout(timer);
		}
		timer = setTimeout(async () => {
			const mine = ++seq;
			if (!value.trim()) {
				qp.items = [];
				return;
			}
			qp.busy = true;
			try {
				const top = vscode.workspace.getConfiguration('rtlassist').get<number>('search.top') ?? 20;
				const r = await c.sendRequest<{ results?: render.SearchHit[] }>('rtlassist/search', { query: value, top });
				if (mine === seq) {
					qp.items = render.searchRows(r, root()).map((row) => ({ ...row, alwaysShow: true }));
				}
			} catch (e) {
				if (mine === seq) {
					qp.items = [{ label: String((e as Error).message ?? e), alwaysShow: true }];
				}
			} finally {
				if (mine === seq) {
					qp.busy = false;
				}
			}
		}, 200);
	});
	qp.onDidChangeActive((items) => {
		const loc = items[0]?.location;
		if (loc) {
			void open(loc, true);
		}
	});
	qp.onDidAccept(() => {
		const loc = qp.selectedItems[0]?.location;
		qp.hide();
		if (loc) {
			void open(loc);
		}
	});
	qp.onDidHide(() => qp.dispose());
	qp.show();
}

// ---- Trace Drivers / Loads -----------------------------------------------------------------
async function trace(direction: 'drivers' | 'loads'): Promise<void> {
	const c = need();
	const editor = vscode.window.activeTextEditor;
	if (!editor) {
		return;
	}
	const word = editor.document.getWordRangeAtPosition(editor.selection.active, /[A-Za-z_][A-Za-z0-9_$]*/);
	if (!word) {
		void vscode.window.showWarningMessage('rtlassist: no signal under the cursor');
		return;
	}
	const signal = editor.document.getText(word);
	const unit = await unitAtCursor();
	if (!unit) {
		void vscode.window.showWarningMessage('rtlassist: no design unit at the cursor');
		return;
	}
	const depth = vscode.workspace.getConfiguration('rtlassist').get<number>('trace.depth') ?? 1;
	const r = await c.sendRequest<{ direction: string; hits?: render.TraceHit[] }>('rtlassist/trace', {
		unit,
		signal,
		direction,
		depth,
	});
	const rows = render.traceRows(r, root());
	if (rows.length === 0) {
		void vscode.window.showInformationMessage(`rtlassist: no ${direction} of ${unit}.${signal}`);
		return;
	}
	const pick = await vscode.window.showQuickPick(rows, {
		title: `${direction === 'loads' ? 'Loads' : 'Drivers'} of ${unit}.${signal}`,
		matchOnDetail: true,
		onDidSelectItem: (item) => {
			const loc = (item as render.Row).location;
			if (loc) {
				void open(loc, true);
			}
		},
	});
	if (pick?.location) {
		await open(pick.location);
	}
}

// ---- Show Hierarchy: a tree view -----------------------------------------------------------
class HierarchyTree implements vscode.TreeDataProvider<render.HierNode> {
	private roots: render.HierNode[] = [];
	private changed = new vscode.EventEmitter<render.HierNode | undefined>();
	readonly onDidChangeTreeData = this.changed.event;
	async load(top?: string): Promise<void> {
		const params: { [key: string]: unknown } = { depth: 0 };
		if (top) {
			params.top = top;
		}
		const r = await need().sendRequest<{ roots: render.HierNode[] }>('rtlassist/hierarchy', params);
		this.roots = r.roots ?? [];
		this.changed.fire(undefined);
	}
	getChildren(n?: render.HierNode): render.HierNode[] {
		return n ? n.children ?? [] : this.roots;
	}
	getTreeItem(n: render.HierNode): vscode.TreeItem {
		const { label, description } = render.hierarchyLabel(n, root());
		const item = new vscode.TreeItem(
			label,
			(n.children ?? []).length > 0
				? n.instance === undefined
					? vscode.TreeItemCollapsibleState.Expanded
					: vscode.TreeItemCollapsibleState.Collapsed
				: vscode.TreeItemCollapsibleState.None
		);
		item.description = description;
		item.tooltip = n.path;
		if (n.location) {
			item.command = { command: 'rtlassist.open', title: 'Open', arguments: [n.location] };
		}
		return item;
	}
}

// ---- Show Graph ----------------------------------------------------------------------------
async function graph(context: vscode.ExtensionContext): Promise<void> {
	const unit = await unitAtCursor();
	if (!unit) {
		return;
	}
	const s = settings();
	const dir = root() ?? process.cwd();
	const svg = await new Promise<string>((resolve, reject) =>
		execFile(
			s.path || 'rtlassist',
			['graph', unit, '--format', 'svg', '-C', dir],
			{ maxBuffer: 64 * 1024 * 1024 },
			(err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))
		)
	);
	const panel = vscode.window.createWebviewPanel('rtlassist.graph', `Graph: ${unit}`, vscode.ViewColumn.Beside, {
		enableScripts: false,
	});
	const data = Buffer.from(svg).toString('base64');
	panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline';">
</head><body style="background:#fff"><img alt="${unit}" src="data:image/svg+xml;base64,${data}"></body></html>`;
	context.subscriptions.push(panel);
}

function guard(f: () => Promise<void>): () => Promise<void> {
	return async () => {
		try {
			await f();
		} catch (e) {
			void vscode.window.showErrorMessage(String((e as Error).message ?? e));
		}
	};
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
	status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
	status.command = 'rtlassist.hierarchy';
	context.subscriptions.push(status);
	const docs = new ExplainDocs();
	const tree = new HierarchyTree();
	context.subscriptions.push(
		vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, docs),
		vscode.window.registerTreeDataProvider('rtlassist.hierarchy', tree),
		vscode.commands.registerCommand('rtlassist.open', (loc: render.Location) => open(loc)),
		vscode.commands.registerCommand('rtlassist.explain', guard(() => explain(docs))),
		vscode.commands.registerCommand('rtlassist.search', guard(search)),
		vscode.commands.registerCommand(
			'rtlassist.hierarchy',
			guard(async () => {
				const top = await vscode.window.showInputBox({ prompt: 'Top (empty: every top)' });
				if (top === undefined) {
					return;
				}
				await tree.load(top || undefined);
				await vscode.commands.executeCommand('rtlassist.hierarchy.focus');
			})
		),
		vscode.commands.registerCommand('rtlassist.traceDrivers', guard(() => trace('drivers'))),
		vscode.commands.registerCommand('rtlassist.traceLoads', guard(() => trace('loads'))),
		vscode.commands.registerCommand('rtlassist.graph', guard(() => graph(context))),
		vscode.commands.registerCommand(
			'rtlassist.restart',
			guard(async () => {
				await client?.stop();
				await startClient(context);
			})
		)
	);
	await startClient(context);
}

export async function deactivate(): Promise<void> {
	await client?.stop();
}
