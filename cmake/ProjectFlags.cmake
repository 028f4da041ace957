# ra_project_target(TARGET): warnings (and sanitizers when RA_SANITIZE) for code we write.
# Third-party targets (tree-sitter runtime and grammar) never get these flags.
set(RA_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(ra_project_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
    $<$<COMPILE_LANGUAGE:C>:-Wpedantic -Wstrict-prototypes -Wmissing-prototypes>)
  if(RA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(RA_SANITIZE)
    target_compile_options(${target} PRIVATE ${RA_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
