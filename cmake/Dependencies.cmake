# Finds the Debian-packaged libraries and builds the npm-fetched tree-sitter sources.
# Run scripts/deps.sh (or `make deps`) first; it installs and unpacks everything used here.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)

pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)

# faiss: Debian ships only the static C++ library (no C API); our shim in indexer/ wraps it.
find_library(FAISS_LIB NAMES faiss REQUIRED)
find_path(FAISS_INCLUDE faiss/Index.h REQUIRED)
find_library(OPENBLAS_LIB NAMES openblas REQUIRED)
add_library(faiss_static INTERFACE)
target_include_directories(faiss_static INTERFACE ${FAISS_INCLUDE})
target_link_libraries(faiss_static INTERFACE ${FAISS_LIB} ${OPENBLAS_LIB} OpenMP::OpenMP_CXX)

# tree-sitter runtime 0.25.1: the whole library compiles as one unit, lib.c.
set(TS_DIR "${RA_DEPS_DIR}/tree-sitter-0.25.1/vendor/tree-sitter/lib")
set(TSSV_DIR "${RA_DEPS_DIR}/tree-sitter-systemverilog-0.4.1/src")
if(NOT EXISTS "${TS_DIR}/src/lib.c" OR NOT EXISTS "${TSSV_DIR}/parser.c")
  message(FATAL_ERROR "tree-sitter sources missing under ${RA_DEPS_DIR}: run `make deps`")
endif()
add_library(ts_runtime STATIC "${TS_DIR}/src/lib.c")
target_include_directories(ts_runtime PUBLIC "${TS_DIR}/include" PRIVATE "${TS_DIR}/src")
target_compile_options(ts_runtime PRIVATE -w)
set_target_properties(ts_runtime PROPERTIES C_STANDARD 11 C_EXTENSIONS ON POSITION_INDEPENDENT_CODE ON)
target_compile_definitions(ts_runtime PRIVATE _DEFAULT_SOURCE _GNU_SOURCE)

# The SystemVerilog grammar is a 66 MB parse table: its own target, -O1 (as fast to run as -O2,
# several times quicker to compile), so that nothing else ever recompiles it.
add_library(ts_systemverilog STATIC "${TSSV_DIR}/parser.c")
target_include_directories(ts_systemverilog PRIVATE "${TSSV_DIR}")
target_compile_options(ts_systemverilog PRIVATE -w -O1)
