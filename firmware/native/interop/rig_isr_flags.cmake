#
# How the interrupt path of the Rig capture module is compiled, in one place for the device build
# (FindINTEROP-Rig.Firmware.Esp32.Native.cmake) and the host check (../CMakeLists.txt, isr_code_stays_in_iram):
#
# - RC_ISR_FN puts every function an interrupt can reach in a section the ESP-IDF linker script keeps in IRAM
#   (.iram1.*), so it runs while the flash cache is off (flash writes: the boot counter, OTA, NVS).
# - -fno-jump-tables and -fno-tree-switch-conversion keep the compiler from turning a switch into a table of
#   addresses or values in .rodata, which lives in flash: the code would be in IRAM and its table would not
#   (seen with the host compiler on rc_poll's switch before these flags, issue 20).
# Data an interrupt reads must be in DRAM (.data, .bss, DRAM_ATTR), never `static const` (.rodata, in flash).
#
set(RIG_ISR_FN_DEFINITION "RC_ISR_FN=__attribute__((section(\".iram1.rig_capture\")))")
set(RIG_ISR_COMPILE_OPTIONS -fno-jump-tables -fno-tree-switch-conversion)
