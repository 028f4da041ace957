-- editors_nvim.lua - drives the Neovim client (editors/nvim) headless for editors_nvim.sh: setup
-- through require('rtlassist').setup, a fixture opened, then :RtlSearch, :RtlExplain,
-- :RtlHierarchy (and a jump from it), :RtlTrace and :RtlTrace! as a user types them; what they
-- show (quickfix lists, window contents) goes to $RA_OUT as JSON. Every wait has a deadline.
local bin, root, out, src = os.getenv("RA_BIN"), os.getenv("RA_ROOT"), os.getenv("RA_OUT"),
                            os.getenv("RA_SRC")
local results = {errors = {}}
local indexed = false

local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(results))
  f:close()
  vim.cmd("qa!")
end

local function qf()
  local items = {}
  for _, it in ipairs(vim.fn.getqflist()) do
    table.insert(items, {file = vim.fn.fnamemodify(vim.fn.bufname(it.bufnr), ":p"),
                         lnum = it.lnum, col = it.col, text = it.text})
  end
  return {title = vim.fn.getqflist({title = 1}).title, items = items}
end

local function wait_qf(title_part)
  return vim.wait(20000, function()
    return (vim.fn.getqflist({title = 1}).title or ""):find(title_part, 1, true) ~= nil
  end, 20)
end

local ok, err = pcall(function()
  vim.opt.rtp:prepend(src .. "/editors/nvim")
  vim.cmd("filetype on")
  vim.lsp.handlers["$/progress"] = function(_, result)
    if result and result.value and result.value.kind == "end" then indexed = true end
  end
  local rtl = require("rtlassist")
  rtl.setup({cmd = {bin, "lsp"}})
  vim.cmd("edit " .. root .. "/sv/top.sv")
  results.filetype = vim.bo.filetype
  results.initialized = vim.wait(30000, function()
    local c = rtl.client()
    return c ~= nil and c.initialized == true
  end, 20)
  results.root = rtl.client() and rtl.client().config.root_dir
  results.indexed = vim.wait(60000, function() return indexed end, 20)

  vim.cmd("RtlSearch fifo count")
  wait_qf("RtlSearch")
  results.search = qf()

  vim.cmd("RtlExplain fifo")
  vim.wait(20000, function() return rtl.last_explain ~= nil end, 20)
  if rtl.last_explain then
    results.explain = vim.api.nvim_buf_get_lines(rtl.last_explain.buf, 0, -1, false)
    results.explain_float = vim.api.nvim_win_get_config(rtl.last_explain.win).relative
    vim.cmd("close")
  end

  -- the unit around the cursor: inside module top
  rtl.last_explain = nil
  vim.api.nvim_win_set_cursor(0, {60, 15})
  vim.cmd("RtlExplain")
  vim.wait(20000, function() return rtl.last_explain ~= nil end, 20)
  if rtl.last_explain then
    results.explain_cursor = vim.api.nvim_buf_get_lines(rtl.last_explain.buf, 0, -1, false)
    vim.cmd("close")
  end

  -- line 60: `always_comb push = fix_pkg::popcount(...)`, cursor on push
  vim.api.nvim_win_set_cursor(0, {60, 15})
  vim.cmd("RtlTrace")
  wait_qf("RtlTrace drivers")
  results.drivers = qf()
  vim.cmd("cclose")
  vim.api.nvim_win_set_cursor(0, {60, 15})
  vim.cmd("RtlTrace! push")
  wait_qf("RtlTrace loads")
  results.loads = qf()
  vim.cmd("cclose")

  vim.cmd("RtlHierarchy top")
  vim.wait(20000, function() return rtl.last_hierarchy ~= nil end, 20)
  if rtl.last_hierarchy then
    results.hierarchy = vim.api.nvim_buf_get_lines(rtl.last_hierarchy.buf, 0, -1, false)
    -- <CR> on the u_pos line jumps to that instance
    for i, l in ipairs(results.hierarchy) do
      if l:find("u_pos: fifo", 1, true) then vim.api.nvim_win_set_cursor(0, {i, 0}) end
    end
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
    results.jump = {file = vim.api.nvim_buf_get_name(0), cursor = vim.api.nvim_win_get_cursor(0)}
  end

  -- fields the server may add later render without a change in the client
  local fmt = require("rtlassist.format")
  results.generic = fmt.explain_markdown({
    name = "ctl", kind = "module", language = "systemverilog",
    stateMachines = {{register = "state", states = {"IDLE", "RUN"},
                      transitions = {{from = "IDLE", to = "RUN"}}}},
    clockDomains = {{clock = "clk", registers = 3}},
    prose = "It controls things.",
  }, root)
end)
if not ok then table.insert(results.errors, tostring(err)) end
finish()
