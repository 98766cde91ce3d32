# Native board: the core as a Linux process (like Zephyr's native_sim).
add_executable(hive-node
  ${CMAKE_SOURCE_DIR}/boards/native/main.c
  ${CMAKE_SOURCE_DIR}/boards/native/channels.c
  ${CMAKE_SOURCE_DIR}/boards/native/hal_native.c)
target_include_directories(hive-node PRIVATE ${CMAKE_SOURCE_DIR}/boards/native)
# The board talks to Linux (sockets, ptys, memfd, exec): it needs the GNU extensions the
# portable core must not use.
target_compile_definitions(hive-node PRIVATE _GNU_SOURCE)
target_link_libraries(hive-node PRIVATE hive_core m)
