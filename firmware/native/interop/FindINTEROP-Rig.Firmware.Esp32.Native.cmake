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
)

foreach(SRC_FILE ${Rig.Firmware.Esp32.Native_SRCS})
    list(APPEND Rig.Firmware.Esp32.Native_SOURCES ${SRC_FILE})
endforeach()

# The core's interrupt-path functions go to IRAM (the linker script keeps .iram1.* there), so they run while
# the flash cache is off (flash writes, OTA).
set_source_files_properties(
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_ring.c
    ${BASE_PATH_FOR_THIS_MODULE}/core/src/rc_core.c
    ${BASE_PATH_FOR_THIS_MODULE}/port/esp32/rig_capture_port.c
    PROPERTIES COMPILE_DEFINITIONS "RC_ISR_FN=__attribute__((section(\".iram1.rig_capture\")))")

include(FindPackageHandleStandardArgs)

FIND_PACKAGE_HANDLE_STANDARD_ARGS(Rig.Firmware.Esp32.Native DEFAULT_MSG Rig.Firmware.Esp32.Native_INCLUDE_DIRS Rig.Firmware.Esp32.Native_SOURCES)
