# Project-wide warnings and hardening flags (docs/style.md §3).
# -Wnull-dereference is left out: GCC 12 reports it at -O2 inside libstdc++'s std::string and
# Boost.Asio's scheduler when they are inlined into our code (false positives we cannot fix).
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
  -fstack-protector-strong)
add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2> _GLIBCXX_ASSERTIONS)
add_link_options(-Wl,-z,relro,-z,now -pie)
if(CASSIOPEIA_WERROR)
  add_compile_options(-Werror)
endif()
