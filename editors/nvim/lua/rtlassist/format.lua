-- rtlassist/format.lua - pure functions turning rtlassist's LSP results into what Neovim shows:
-- Markdown for rtlassist/explain (generic: every field present is rendered, so fields the
-- server adds later appear without a change here), quickfix items for search and trace, and
-- the lines of the hierarchy tree. No editor state is touched; the tests call these directly.
local M = {}

-- Fields shown first, in this order; every other field follows in alphabetical order.
local ORDER = {"name", "kind", "language", "location", "comment", "prose", "parameters", "ports",
               "clocks", "resets", "submodules", "instantiatedBy"}
-- Inside list items: names first, places last.
local ITEM_FIRST = {"name", "instance", "unit", "direction", "type", "width", "default"}
local ITEM_LAST = {location = true}
local HEAD = {name = true, kind = true, language = true, comment = true, prose = true}

local function is_array(t)
  if type(t) ~= "table" then return false end
  if vim.tbl_islist(t) then return true end
  return next(t) == nil
end

local function is_location(t)
  return type(t) == "table" and type(t.uri) == "string" and type(t.range) == "table"
end

-- "instantiatedBy" -> "Instantiated by", "clock_domains" -> "Clock domains"
function M.title(key)
  local s = key:gsub("_", " "):gsub("(%l)(%u)", function(a, b) return a .. " " .. b:lower() end)
  return s:sub(1, 1):upper() .. s:sub(2)
end

-- A path relative to root when below it, else the file name.
function M.relpath(fname, root)
  if root and root ~= "" then
    local r = root:gsub("/$", "") .. "/"
    if fname:sub(1, #r) == r then return fname:sub(#r + 1) end
  end
  return fname
end

function M.location_text(loc, root)
  local fname = vim.uri_to_fname(loc.uri)
  return string.format("%s:%d", M.relpath(fname, root), loc.range.start.line + 1)
end

local function scalar(v, root)
  if v == nil or v == vim.NIL then return nil end
  if type(v) == "table" then
    if is_location(v) then return M.location_text(v, root) end
    if is_array(v) then
      local parts = {}
      for _, x in ipairs(v) do
        if type(x) == "table" and not is_location(x) then return nil end
        local s = scalar(x, root)
        if s then table.insert(parts, s) end
      end
      return table.concat(parts, ", ")
    end
    return nil
  end
  if type(v) == "boolean" then return v and "yes" or "no" end
  return tostring(v)
end

local function sorted_keys(t, item)
  local keys, seen = {}, {}
  for _, k in ipairs(item and ITEM_FIRST or ORDER) do
    if t[k] ~= nil then table.insert(keys, k); seen[k] = true end
  end
  local rest = {}
  for k in pairs(t) do
    if not seen[k] and not (item and ITEM_LAST[k]) then table.insert(rest, k) end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do table.insert(keys, k) end
  if item then
    for k in pairs(ITEM_LAST) do if t[k] ~= nil then table.insert(keys, k) end end
  end
  return keys
end

-- A flat object (only scalars, locations and lists of scalars) is a table row.
local function is_flat(o)
  if type(o) ~= "table" or is_array(o) then return false end
  for _, v in pairs(o) do
    if type(v) == "table" and not is_location(v) then
      if not is_array(v) then return false end
      for _, x in ipairs(v) do if type(x) == "table" then return false end end
    end
  end
  return true
end

local function cell(s) return (s:gsub("|", "\\|"):gsub("\n", " ")) end

local render_value

local function render_list(out, list, root, indent)
  local flat = #list > 0
  for _, o in ipairs(list) do if not is_flat(o) then flat = false end end
  if flat and indent == "" then
    local cols, seen = {}, {}
    for _, o in ipairs(list) do
      for _, k in ipairs(sorted_keys(o, true)) do
        if not seen[k] then seen[k] = true; table.insert(cols, k) end
      end
    end
    local head, rule = {}, {}
    for _, k in ipairs(cols) do table.insert(head, M.title(k)); table.insert(rule, "---") end
    table.insert(out, "| " .. table.concat(head, " | ") .. " |")
    table.insert(out, "|" .. table.concat(rule, "|") .. "|")
    for _, o in ipairs(list) do
      local row = {}
      for _, k in ipairs(cols) do table.insert(row, cell(scalar(o[k], root) or "")) end
      table.insert(out, "| " .. table.concat(row, " | ") .. " |")
    end
    return
  end
  for _, o in ipairs(list) do
    if type(o) == "table" and not is_location(o) and not is_array(o) then
      local first = true
      for _, k in ipairs(sorted_keys(o, true)) do
        local s = scalar(o[k], root)
        local prefix = first and (indent .. "- ") or (indent .. "  ")
        if s then
          table.insert(out, prefix .. M.title(k) .. ": " .. s)
          first = false
        elseif type(o[k]) == "table" then
          table.insert(out, prefix .. M.title(k) .. ":")
          first = false
          render_value(out, o[k], root, indent .. "    ")
        end
      end
    else
      table.insert(out, indent .. "- " .. (scalar(o, root) or ""))
    end
  end
end

render_value = function(out, v, root, indent)
  if type(v) ~= "table" or is_location(v) then
    table.insert(out, indent .. (scalar(v, root) or ""))
  elseif is_array(v) then
    render_list(out, v, root, indent)
  else
    for _, k in ipairs(sorted_keys(v)) do
      local s = scalar(v[k], root)
      if s then
        table.insert(out, indent .. "- " .. M.title(k) .. ": " .. s)
      elseif type(v[k]) == "table" then
        table.insert(out, indent .. "- " .. M.title(k) .. ":")
        render_value(out, v[k], root, indent .. "    ")
      end
    end
  end
end

-- Markdown lines for an rtlassist/explain result; `prose` (streamed text) overrides the
-- result's own prose field when given.
function M.explain_markdown(r, root, prose)
  local out = {}
  local title = {}
  for _, k in ipairs({"kind", "name"}) do
    if type(r[k]) == "string" then table.insert(title, r[k]) end
  end
  table.insert(out, "# " .. table.concat(title, " "))
  if type(r.language) == "string" then table.insert(out, "*" .. r.language .. "*") end
  local text = prose or r.prose
  if type(r.comment) == "string" and r.comment ~= "" then
    table.insert(out, "")
    for _, l in ipairs(vim.split(r.comment, "\n", true)) do table.insert(out, "> " .. l) end
  end
  if type(text) == "string" and text ~= "" then
    table.insert(out, "")
    for _, l in ipairs(vim.split(text, "\n", true)) do table.insert(out, l) end
  end
  for _, k in ipairs(sorted_keys(r)) do
    local v = r[k]
    if not HEAD[k] and v ~= vim.NIL and not (is_array(v) and #v == 0) then
      local s = (type(v) ~= "table" or is_location(v)) and scalar(v, root) or nil
      table.insert(out, "")
      if s then
        table.insert(out, "**" .. M.title(k) .. "**: " .. s)
      else
        local n = is_array(v) and string.format(" (%d)", #v) or ""
        table.insert(out, "## " .. M.title(k) .. n)
        render_value(out, v, root, "")
      end
    end
  end
  return out
end

local function qf_item(loc, text)
  return {
    filename = vim.uri_to_fname(loc.uri),
    lnum = loc.range.start.line + 1,
    col = loc.range.start.character + 1,
    text = text,
  }
end

-- Quickfix items for an rtlassist/search result.
function M.search_items(r)
  local items = {}
  for _, hit in ipairs(r.results or {}) do
    local unit = (type(hit.unit) == "string") and (hit.unit .. " ") or ""
    local item = qf_item(hit, string.format("[%s%s] %s", unit, hit.kind or "", hit.snippet or ""))
    item.end_lnum = hit.range["end"].line
    table.insert(items, item)
  end
  return items
end

-- The path of one trace hit in the direction data flows, hop by hop: "din -> push (data call)".
-- Hops run from the traced signal to the hit, so a drivers trace is read backwards.
function M.trace_path(hit, direction)
  local hops = {}
  for _, hop in ipairs(hit.hops or {}) do table.insert(hops, hop) end
  if direction ~= "loads" then
    local rev = {}
    for i = #hops, 1, -1 do table.insert(rev, hops[i]) end
    hops = rev
  end
  local parts, kinds = {}, {}
  for i, hop in ipairs(hops) do
    if i == 1 then table.insert(parts, hop.from) end
    table.insert(parts, hop.to)
    table.insert(kinds, (hop.kind or "") .. (hop.how and (" " .. hop.how) or ""))
  end
  return table.concat(parts, " -> ") .. " (" .. table.concat(kinds, ", ") .. ")"
end

-- Quickfix items for an rtlassist/trace result: each hit at the statement or connection that
-- reaches it (its last hop), with its instance path and the hops.
function M.trace_items(r)
  local items = {}
  for _, hit in ipairs(r.hits or {}) do
    local last
    for _, hop in ipairs(hit.hops or {}) do
      if hop.location then last = hop.location end
    end
    local where = (hit.where and hit.where ~= "") and (hit.where .. ": ") or ""
    local text = string.format("%s%s  %s", where, hit.signal or "", M.trace_path(hit, r.direction))
    if last then
      table.insert(items, qf_item(last, text))
    else
      table.insert(items, {text = text, valid = 0})
    end
  end
  return items
end

-- The hierarchy as tree lines, and for each line what to jump to: {location = LOCATION or
-- false, unit = NAME (tops: their unit, whose definition is the target) or nil}.
function M.hierarchy_lines(r)
  local lines, locs = {}, {}
  local function walk(node, prefix, last, top)
    local label
    if top then
      label = node.type or node.path
      if node.testbench then label = label .. "  (testbench)" end
    else
      label = (node.instance or node.path) .. ": " .. (node.type or "?")
      if node.unit and node.unit ~= node.type then label = label .. " -> " .. node.unit end
      if node.how == "unresolved" or (node.unit == nil and node.how ~= "builtin") then
        label = label .. "  (unresolved)"
      end
      if node.recursive then label = label .. "  (recursive)" end
    end
    if node.truncated then label = label .. "  ..." end
    local branch = top and "" or (prefix .. (last and "└─ " or "├─ "))
    table.insert(lines, branch .. label)
    table.insert(locs, {location = node.location or false,
                        unit = top and (node.unit or node.type) or nil})
    local kids = node.children or {}
    local next_prefix = top and "" or (prefix .. (last and "   " or "│  "))
    for i, child in ipairs(kids) do walk(child, next_prefix, i == #kids, false) end
  end
  for _, root in ipairs(r.roots or {}) do walk(root, "", true, true) end
  if r.truncated then
    table.insert(lines, "(truncated)")
    table.insert(locs, {location = false})
  end
  return lines, locs
end

return M
