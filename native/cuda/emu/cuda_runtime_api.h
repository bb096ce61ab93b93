// Stand-in for the CUDA header under the CPU emulator (emu.h).
#pragma once
#include "emu.h"
