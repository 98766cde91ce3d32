# Toolchain file for the STM32F4 (Cortex-M4F) build: Debian's gcc-arm-none-eabi with
# libnewlib-arm-none-eabi (newlib nano). Use it as
#   cmake -S firmware -B build/firmware/stm32f4 -DHIL_BOARD=stm32f4 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
# (CMake looks for a relative toolchain path in the build tree, then in the source tree.)
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(HIL_ARM_PREFIX "arm-none-eabi-" CACHE STRING "Prefix of the bare-metal ARM GNU tools")
find_program(CMAKE_C_COMPILER NAMES ${HIL_ARM_PREFIX}gcc REQUIRED)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_OBJCOPY NAMES ${HIL_ARM_PREFIX}objcopy REQUIRED)
find_program(CMAKE_SIZE NAMES ${HIL_ARM_PREFIX}size REQUIRED)
find_program(CMAKE_AR NAMES ${HIL_ARM_PREFIX}ar REQUIRED)
find_program(CMAKE_RANLIB NAMES ${HIL_ARM_PREFIX}ranlib REQUIRED)

# Compiler checks must not try to link a hosted program.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4 with the single-precision FPU, hard-float ABI.
set(HIL_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")

# sqrtf compiles to vsqrt.f32 (IEEE correctly rounded, like the host's sqrtss) with a libm
# call only for negative/NaN inputs (errno); the top level's -fno-fast-math keeps it so.
set(CMAKE_C_FLAGS_INIT "${HIL_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections -fno-common --specs=nano.specs")
set(CMAKE_ASM_FLAGS_INIT "${HIL_ARM_CPU_FLAGS}")
# (CMake links with the C flags too, so nano.specs and the CPU flags are not repeated.)
# nosys.specs: stub syscalls (the board supplies its own _sbrk).
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nosys.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
