-- rtlassist - the Neovim client (0.7 and later, built-in LSP client, no other plugin):
-- starts `rtlassist lsp` for Verilog, SystemVerilog and VHDL buffers (one server per workspace
-- root) and adds :RtlSearch, :RtlExplain, :RtlHierarchy and :RtlTrace over rtlassist's own
-- requests. Results are shaped by rtlassist.format (pure functions).
local format = require("rtlassist.format")

local M = {}

M.config = {
  cmd = {"rtlassist", "lsp"},
  filetypes = {"verilog", "systemverilog", "vhdl"},
  root_markers = {".rtlassist.toml", ".git"},
  -- ask for model prose in :RtlExplain (used only when the server has a chat model)
  explain_prose = true,
  search_top = 20,
  hierarchy_depth = 0,
  trace_depth = 1,
  timeout_ms = 20000,
  on_attach = nil,
  capabilities = nil,
  init_options = nil,
}

local clients = {} -- root dir -> client id
local prose_sinks = {} -- partialResultToken -> function(delta)
local next_token = 0

local function notify(msg, level)
  vim.notify("rtlassist: " .. msg, level or vim.log.levels.INFO)
end

-- The workspace root of a file: the nearest folder above it holding a root marker, else the
-- file's folder.
function M.root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ":p:h")
  local best
  for _, marker in ipairs(M.config.root_markers) do
    local hit = vim.fn.finddir(marker, dir .. ";")
    if hit == "" then hit = vim.fn.findfile(marker, dir .. ";") end
    if hit ~= "" then
      local root = vim.fn.fnamemodify(hit, ":p:h")
      if hit:sub(-1) == "/" or vim.fn.isdirectory(hit) == 1 then
        root = vim.fn.fnamemodify(vim.fn.fnamemodify(hit, ":p"):gsub("/$", ""), ":h")
      end
      if not best or #root > #best then best = root end
    end
  end
  return best or dir
end

local function progress_handler(err, result, ctx, config)
  local sink = result and prose_sinks[result.token]
  if sink then
    if result.value and type(result.value.delta) == "string" then sink(result.value.delta) end
    return
  end
  local default = vim.lsp.handlers["$/progress"]
  if default then return default(err, result, ctx, config) end
end

local function start(root)
  local id = clients[root]
  if id and vim.lsp.get_client_by_id(id) and not vim.lsp.get_client_by_id(id).is_stopped() then
    return id
  end
  local cmd = vim.deepcopy(M.config.cmd)
  id = vim.lsp.start_client({
    name = "rtlassist",
    cmd = cmd,
    root_dir = root,
    init_options = M.config.init_options,
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    handlers = {["$/progress"] = progress_handler},
    on_attach = M.config.on_attach,
  })
  if not id then
    notify("could not start " .. table.concat(cmd, " "), vim.log.levels.ERROR)
    return nil
  end
  clients[root] = id
  return id
end

-- Attaches the buffer to the server of its workspace (started when needed).
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == "" or vim.bo[bufnr].buftype ~= "" then return nil end
  local id = start(M.root_dir(fname))
  if id then vim.lsp.buf_attach_client(bufnr, id) end
  return id
end

-- The rtlassist client of the current buffer, else any running one.
function M.client()
  for _, c in pairs(vim.lsp.buf_get_clients(0)) do
    if c.name == "rtlassist" then return c end
  end
  for _, id in pairs(clients) do
    local c = vim.lsp.get_client_by_id(id)
    if c and not c.is_stopped() then return c end
  end
  return nil
end

-- Sends an rtlassist request; on_result(result, client) runs on success, on_error(err) (when
-- given, else a message) on failure.
function M.request(method, params, on_result, on_error)
  local c = M.client()
  if not c then
    notify("no rtlassist server: open a Verilog, SystemVerilog or VHDL file first",
           vim.log.levels.WARN)
    return false
  end
  return c.request(method, params, function(err, result)
    if err then
      if on_error then return on_error(err) end
      notify(method .. ": " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    on_result(result, c)
  end, vim.api.nvim_get_current_buf())
end

local function set_qf(title, items, what)
  vim.fn.setqflist({}, " ", {title = title, items = items, context = {rtlassist = what}})
  if #items == 0 then
    notify(title .. ": nothing found", vim.log.levels.WARN)
  else
    vim.cmd("botright copen")
  end
end

-- :RtlSearch {query}
function M.search(query)
  if not query or query == "" then return notify("usage: :RtlSearch {query}", vim.log.levels.WARN) end
  M.request("rtlassist/search", {query = query, top = M.config.search_top}, function(r)
    set_qf("RtlSearch " .. query, format.search_items(r), "search")
  end)
end

local function position_params()
  return vim.lsp.util.make_position_params()
end

-- A floating window showing Markdown lines; returns buf, win.
local function float(lines)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].modifiable = false
  local width = 20
  for _, l in ipairs(lines) do width = math.max(width, vim.fn.strdisplaywidth(l)) end
  width = math.min(width + 1, math.max(20, vim.o.columns - 4))
  local height = math.min(#lines, math.max(3, vim.o.lines - 6))
  local win = vim.api.nvim_open_win(buf, true, {
    relative = "editor", row = 1, col = math.max(0, vim.o.columns - width - 2),
    width = width, height = height, style = "minimal", border = "rounded",
  })
  vim.wo[win].wrap = true
  vim.wo[win].conceallevel = 2
  -- the editor's own colours: the default float colours hide Markdown headings in some themes
  vim.wo[win].winhighlight = "Normal:Normal,FloatBorder:Normal"
  for _, key in ipairs({"q", "<Esc>"}) do
    vim.api.nvim_buf_set_keymap(buf, "n", key, "<cmd>close<cr>", {noremap = true, silent = true})
  end
  return buf, win
end

M.last_explain = nil -- {buf, win, result}: the window of the latest :RtlExplain

-- :RtlExplain [unit]: the unit named, else the unit at the cursor, in a floating window.
-- With a chat model on the server, prose streams into the window as it is generated.
function M.explain(unit)
  local params = (unit and unit ~= "") and {unit = unit} or position_params()
  local prose, view = "", nil
  local c = M.client()
  local root = c and c.config.root_dir or nil
  local token
  local function redraw(result)
    local lines = format.explain_markdown(result, root, prose ~= "" and prose or nil)
    if view and vim.api.nvim_buf_is_valid(view.buf) then
      vim.bo[view.buf].modifiable = true
      vim.api.nvim_buf_set_lines(view.buf, 0, -1, false, lines)
      vim.bo[view.buf].modifiable = false
    else
      local buf, win = float(lines)
      view = {buf = buf, win = win, result = result}
      M.last_explain = view
    end
  end
  if M.config.explain_prose then
    next_token = next_token + 1
    token = "rtlassist-explain-" .. next_token
    params.prose = true
    params.partialResultToken = token
    prose_sinks[token] = function(delta)
      prose = prose .. delta
      redraw({name = params.unit or "", kind = "explaining"})
    end
  end
  local function done(r)
    if token then prose_sinks[token] = nil end
    redraw(r)
  end
  -- a server without a chat model may refuse prose: ask again for the structure alone
  M.request("rtlassist/explain", params, done, function(err)
    if not token then
      return notify("rtlassist/explain: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    prose_sinks[token] = nil
    token = nil
    params.prose, params.partialResultToken = nil, nil
    M.request("rtlassist/explain", params, done)
  end)
end

M.last_hierarchy = nil -- {buf, locs}

local function jump(loc, unit)
  if loc then
    vim.cmd("wincmd p")
    vim.lsp.util.jump_to_location(loc, "utf-16")
    return
  end
  if unit then
    M.request("rtlassist/explain", {unit = unit}, function(r)
      if r and r.location then
        vim.cmd("wincmd p")
        vim.lsp.util.jump_to_location(r.location, "utf-16")
      end
    end)
  end
end

-- Jumps from the line of the hierarchy buffer under the cursor.
function M.hierarchy_jump()
  local h = vim.b.rtlassist_hierarchy
  if not h then return end
  local n = vim.api.nvim_win_get_cursor(0)[1]
  local entry = h[n]
  if entry then jump(entry.location ~= vim.NIL and entry.location or nil, entry.unit ~= vim.NIL and entry.unit or nil) end
end

-- :RtlHierarchy [top]: the instance tree in a scratch buffer; <CR> jumps to the instance
-- (or, on a top, to its definition).
function M.hierarchy(top)
  local params = {depth = M.config.hierarchy_depth}
  if top and top ~= "" then params.top = top end
  M.request("rtlassist/hierarchy", params, function(r)
    local lines, entries = format.hierarchy_lines(r)
    vim.cmd("botright 15new")
    local buf = vim.api.nvim_get_current_buf()
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].bufhidden = "wipe"
    vim.bo[buf].swapfile = false
    pcall(vim.api.nvim_buf_set_name, buf, "rtlassist://hierarchy/" .. (top or ""))
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.bo[buf].modifiable = false
    vim.b[buf].rtlassist_hierarchy = entries
    vim.api.nvim_buf_set_keymap(buf, "n", "<CR>", "<cmd>lua require('rtlassist').hierarchy_jump()<cr>",
                                {noremap = true, silent = true})
    vim.api.nvim_buf_set_keymap(buf, "n", "q", "<cmd>close<cr>", {noremap = true, silent = true})
    M.last_hierarchy = {buf = buf, lines = lines}
  end)
end

-- :RtlTrace[!] [signal]: the drivers (loads with !) of the signal named or under the cursor,
-- in the unit around the cursor, as a quickfix list.
function M.trace(signal, loads)
  if not signal or signal == "" then signal = vim.fn.expand("<cword>") end
  if signal == "" then return notify("no signal under the cursor", vim.log.levels.WARN) end
  local direction = loads and "loads" or "drivers"
  M.request("rtlassist/explain", position_params(), function(u)
    if not u or type(u.name) ~= "string" then
      return notify("no design unit at the cursor", vim.log.levels.WARN)
    end
    local params = {unit = u.name, signal = signal, direction = direction, depth = M.config.trace_depth}
    M.request("rtlassist/trace", params, function(r)
      set_qf(string.format("RtlTrace %s %s.%s", direction, u.name, signal), format.trace_items(r), "trace")
    end)
  end)
end

local function commands()
  vim.cmd([[
    command! -nargs=+ RtlSearch lua require('rtlassist').search(<q-args>)
    command! -nargs=? RtlExplain lua require('rtlassist').explain(<q-args>)
    command! -nargs=? RtlHierarchy lua require('rtlassist').hierarchy(<q-args>)
    command! -nargs=? -bang RtlTrace lua require('rtlassist').trace(<q-args>, '<bang>' == '!')
  ]])
end

-- setup{cmd = {...}, filetypes = {...}, root_markers = {...}, explain_prose, search_top,
-- hierarchy_depth, trace_depth, on_attach, capabilities, init_options}
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  commands()
  vim.cmd("augroup rtlassist | autocmd! | augroup END")
  vim.cmd(string.format("autocmd rtlassist FileType %s lua require('rtlassist').attach(tonumber(vim.fn.expand('<abuf>')))",
                        table.concat(M.config.filetypes, ",")))
  -- buffers already open when setup runs
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype) then
      M.attach(b)
    end
  end
end

return M
