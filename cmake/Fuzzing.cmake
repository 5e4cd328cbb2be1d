# libFuzzer targets (docs/style.md §9). Every target is also built as a replay binary that runs
# each file of its corpus, with any compiler, and is registered with ctest (label fuzz-replay).
# With -DCASSIOPEIA_FUZZ=ON and Clang, the real libFuzzer binary fuzz_<name> is built too.
if(CASSIOPEIA_FUZZ)
  # Coverage instrumentation for every library under test, not only the fuzz entry points.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(cassiopeia_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  add_executable(${name}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
  add_test(NAME ${name}_replay COMMAND ${name}_replay ${corpus})
  set_tests_properties(${name}_replay PROPERTIES LABELS fuzz-replay)
  if(CASSIOPEIA_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined
                                           -fno-sanitize-recover=undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
  endif()
endfunction()
