#
# nf-interpreter CMake module for the interop assembly Rig.Firmware.Esp32.Native (the Rig capture module).
# Copy this folder's files and ../core, ../port/esp32 into <nf-interpreter>/InteropAssemblies/Rig.Firmware.Esp32.Native
# (or point BASE_PATH_FOR_THIS_MODULE at a checkout of this repository's firmware/native) and build with
#   -DNF_INTEROP_ASSEMBLIES="Rig.Firmware.Esp32.Native"   (a space-separated string; see docs/firmware.md)
# Steps: docs/capture.md and docs/firmware.md. NOT exercised on the CI machines (no nf-interpreter/ESP-IDF there).
#

if(NOT DEFINED RIG_CAPTURE_NATIVE_DIR)
    set(RIG_CAPTURE_NATIVE_DIR ${PROJECT_SOURCE_DIR}/InteropAssemblies/Rig.Firmware.Esp32.Native)
endif()
set(BASE_PATH_FOR_THIS_MODULE ${RIG_CAPTURE_NATIVE_DIR})

# include directories
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Core)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Include)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/HAL/Include)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/PAL/Include)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${BASE_PATH_FOR_THIS_MODULE}/interop)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${BASE_PATH_FOR_THIS_MODULE}/core/include)
list(APPEND Rig.Firmware.Esp32.Native_INCLUDE_DIRS ${BASE_PATH_FOR_THIS_MODULE}/port/esp32)

# source files: the generated stubs, the ESP-IDF port and the portable core
set(Rig.Firmware.Esp32.Native_SRCS
    ${BASE_PATH_FOR_THIS_MODULE}/interop/Rig_Firmware_Esp32_Native.cpp
    ${BASE_PATH_FOR_THIS_MODULE}/interop/Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture_mshl.cpp
    ${BASE_PATH_FOR_THIS_MODULE}/interop/Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture.cpp
    ${BASE_PATH_FOR_THIS_MODULE}/port/esp32/rig_capture_port.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_ring.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_core.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_capture.c
)

foreach(SRC_FILE ${Rig.Firmware.Esp32.Native_SRCS})
    list(APPEND Rig.Firmware.Esp32.Native_SOURCES ${SRC_FILE})
endforeach()

# The interrupt path goes to IRAM and keeps its switches out of .rodata (rig_isr_flags.cmake says why); the same
# definitions and flags are what the host check isr_code_stays_in_iram compiles with.
include(${BASE_PATH_FOR_THIS_MODULE}/interop/rig_isr_flags.cmake)
set_source_files_properties(
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_ring.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_core.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_capture.c
    ${BASE_PATH_FOR_THIS_MODULE}/port/esp32/rig_capture_port.c
    PROPERTIES COMPILE_DEFINITIONS "${RIG_ISR_FN_DEFINITION}"
               COMPILE_OPTIONS "${RIG_ISR_COMPILE_OPTIONS}")

include(FindPackageHandleStandardArgs)

FIND_PACKAGE_HANDLE_STANDARD_ARGS(Rig.Firmware.Esp32.Native DEFAULT_MSG Rig.Firmware.Esp32.Native_INCLUDE_DIRS Rig.Firmware.Esp32.Native_SOURCES)
