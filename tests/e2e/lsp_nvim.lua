-- lsp_nvim.lua - drives `rtlassist lsp` from Neovim's built-in LSP client (headless), for
-- lsp_nvim.sh: definition, hover, references and completion on the fixture design; results go
-- to $RA_OUT as JSON. Every wait has a deadline.
local bin, root, out = os.getenv("RA_BIN"), os.getenv("RA_ROOT"), os.getenv("RA_OUT")
local results = {errors = {}}
local indexed = false

local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(results))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local id = vim.lsp.start_client({
    cmd = {bin, "lsp", "-C", root},
    root_dir = root,
    name = "rtlassist",
    handlers = {
      ["$/progress"] = function(_, result)
        if result and result.value and result.value.kind == "end" then indexed = true end
      end,
    },
  })
  vim.cmd("edit " .. root .. "/sv/top.sv")
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, id)
  results.initialized = vim.wait(30000, function()
    local c = vim.lsp.get_client_by_id(id)
    return c ~= nil and c.initialized
  end, 20)
  results.indexed = vim.wait(60000, function() return indexed end, 20)
  local uri = vim.uri_from_bufnr(buf)
  local function req(method, line, ch, extra)
    local params = {textDocument = {uri = uri}, position = {line = line, character = ch}}
    for k, v in pairs(extra or {}) do params[k] = v end
    local r, e = vim.lsp.buf_request_sync(buf, method, params, 10000)
    if not r then table.insert(results.errors, method .. ": " .. tostring(e)) return nil end
    for _, v in pairs(r) do
      if v.error then table.insert(results.errors, method .. ": " .. vim.inspect(v.error)) end
      return v.result
    end
  end
  results.definition = req("textDocument/definition", 26, 3)
  results.hover = req("textDocument/hover", 26, 3)
  results.references = req("textDocument/references", 13, 35,
                           {context = {includeDeclaration = true}})
  -- type an instance whose connection list is open, through Neovim's own change events
  vim.api.nvim_buf_set_lines(buf, 61, 61, false, {"  fifo u_new (.clk(clk), ."})
  results.completion = req("textDocument/completion", 61, 27)
  -- definition follows the unsaved buffer
  vim.api.nvim_buf_set_lines(buf, 61, 62, false, {"  logic fresh; assign fresh = push;"})
  results.fresh = req("textDocument/definition", 61, 24)
end)
if not ok then table.insert(results.errors, tostring(err)) end
finish()
