# STM32F405/F407 board: hive-node.elf (+ hive-node.bin, hive-node.map) for QEMU
# netduinoplus2, Renode stm32f4_discovery and real boards. Needs the arm-none-eabi
# toolchain file: -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
if(NOT CMAKE_C_COMPILER MATCHES "arm-none-eabi")
  message(FATAL_ERROR "HIL_BOARD=stm32f4 needs the ARM toolchain: add "
                      "-DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake")
endif()

set(HIL_CORE_CLOCK_HZ "168000000" CACHE STRING "STM32F4 core clock in Hz (SysTick, baud rates)")
set(HIL_STACK_SIZE "16384" CACHE STRING "STM32F4 main stack size in bytes")

# No build type given: optimise anyway (the DSP runs inside an emulator). Floating-point
# results do not depend on the level: -ffp-contract=off, no fast-math.
if(NOT CMAKE_BUILD_TYPE)
  target_compile_options(hil_options INTERFACE -O2 -g)
endif()

set(_board_dir ${CMAKE_CURRENT_LIST_DIR})
set(_ld_script ${_board_dir}/stm32f405.ld)

add_executable(hive-node
  ${_board_dir}/startup.c
  ${_board_dir}/hal_stm32f4.c)
set_target_properties(hive-node PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${_ld_script})
target_include_directories(hive-node PRIVATE ${_board_dir})
target_compile_definitions(hive-node PRIVATE HIL_CORE_CLOCK_HZ=${HIL_CORE_CLOCK_HZ}u)
target_link_libraries(hive-node PRIVATE hive_core hil_options m)
target_link_options(hive-node PRIVATE
  -T${_ld_script}
  -Wl,--defsym=__stack_size=${HIL_STACK_SIZE}
  -Wl,-Map=$<TARGET_FILE_DIR:hive-node>/hive-node.map,--cref
  -Wl,--print-memory-usage)

add_custom_command(TARGET hive-node POST_BUILD
  COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:hive-node> $<TARGET_FILE_DIR:hive-node>/hive-node.bin
  COMMAND ${CMAKE_SIZE} $<TARGET_FILE:hive-node>
  BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/hive-node.bin
  VERBATIM)
