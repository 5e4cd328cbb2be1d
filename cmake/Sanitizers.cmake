# ASan + UBSan build (docs/style.md §9): -DCASSIOPEIA_SANITIZE=ON.
if(CASSIOPEIA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
