#!/usr/bin/env bash
# Rebuilds vendor/burn-flex as the burn-flex crate published on crates.io plus genlab's changes
# (vendor/burn-flex.patch), so that upgrading burn means re-applying one reviewable patch.
#
#   scripts/vendor-burn-flex.sh [VERSION] [SOURCE]     rebuild vendor/burn-flex
#   scripts/vendor-burn-flex.sh --check [VERSION] [SOURCE]
#       verify that vendor/burn-flex is exactly the published crate plus the patch
#   scripts/vendor-burn-flex.sh --diff [VERSION] [SOURCE] > vendor/burn-flex.patch
#       write the patch again from vendor/burn-flex (after resolving rejected hunks by hand)
#   scripts/vendor-burn-flex.sh --with-rejects VERSION [SOURCE]
#       rebuild even when hunks are rejected, leaving each *.rej beside its file
#
# VERSION defaults to the version in vendor/burn-flex/Cargo.toml. SOURCE is the published
# burn-flex-VERSION.crate or its unpacked folder; without it the script takes the crate from
# cargo's download cache, else downloads it from crates.io and checks it against the index.
#
# Rebuilding writes nothing outside vendor/burn-flex: the new folder is assembled in a
# temporary folder, copied beside the old one (vendor/.burn-flex.new.*) and renamed into place
# only once it is complete. The other modes write nothing in the repository.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
root="$PWD"

usage() { sed -n '2,/^set /s/^# \{0,1\}//p' "$0" >&2; exit 2; }
die() { echo "vendor-burn-flex: $*" >&2; exit 1; }

mode=build
args=()
for a in "$@"; do
  case "$a" in
    --check) mode=check ;;
    --diff) mode=diff ;;
    --with-rejects) mode=rejects ;;
    -h|--help) usage ;;
    -*) echo "vendor-burn-flex: unknown option $a" >&2; usage ;;
    *) args+=("$a") ;;
  esac
done
[ "${#args[@]}" -le 2 ] || usage

vendor=vendor/burn-flex
patch_file=vendor/burn-flex.patch
# Files cargo adds when packaging or unpacking a crate; they mean nothing in a path dependency.
packaging=(Cargo.toml.orig Cargo.lock .cargo_vcs_info.json .cargo-ok)

version="${args[0]:-}"
if [ -z "$version" ]; then
  [ -f "$vendor/Cargo.toml" ] || die "no $vendor/Cargo.toml to take the version from; give one"
  version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$vendor/Cargo.toml" | head -n 1)"
  [ -n "$version" ] || die "no version in $vendor/Cargo.toml; give one"
fi
source_path="${args[1]:-}"
case "$source_path" in ""|/*) ;; *) source_path="$caller/$source_path" ;; esac

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vendor-burn-flex.XXXXXX")"
staged=""
cleanup() {
  rm -rf "$tmp"
  if [ -n "$staged" ]; then rm -rf "$staged"; fi
}
trap cleanup EXIT

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# The published crate, unpacked into $tmp/pristine without its packaging files.
unpack_pristine() {
  local crate=""
  if [ -n "$source_path" ]; then
    [ -e "$source_path" ] || die "$source_path does not exist"
    if [ -d "$source_path" ]; then
      mkdir "$tmp/pristine"
      cp -R "$source_path/." "$tmp/pristine/"
    else
      crate="$source_path"
    fi
  else
    local cached
    for cached in "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"burn-flex-$version.crate"; do
      # cargo checked these against the index when it downloaded them.
      if [ -f "$cached" ]; then crate="$cached"; break; fi
    done
    if [ -z "$crate" ]; then
      crate="$tmp/burn-flex-$version.crate"
      echo "vendor-burn-flex: downloading burn-flex $version from crates.io" >&2
      curl -sSfL -o "$crate" "https://static.crates.io/crates/burn-flex/burn-flex-$version.crate" \
        || die "could not download burn-flex $version; pass the .crate file or its folder"
      local expected
      expected="$(curl -sSfL https://index.crates.io/bu/rn/burn-flex \
        | grep -E "\"vers\": *\"$version\"" \
        | sed -n 's/.*"cksum": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)" \
        || die "could not read crates.io's index to check the download"
      [ -n "$expected" ] || die "crates.io's index lists no burn-flex $version"
      [ "$(sha256 "$crate")" = "$expected" ] \
        || die "burn-flex-$version.crate does not match the checksum in crates.io's index"
    fi
  fi
  if [ -n "$crate" ]; then
    tar -xzf "$crate" -C "$tmp" --no-same-owner
    [ -d "$tmp/burn-flex-$version" ] || die "$crate holds no burn-flex-$version folder"
    mv "$tmp/burn-flex-$version" "$tmp/pristine"
  fi
  local f
  for f in "${packaging[@]}"; do rm -f "$tmp/pristine/$f"; done
  grep -q "^version = \"$version\"$" "$tmp/pristine/Cargo.toml" \
    || die "the source given is not burn-flex $version (see its Cargo.toml)"
}

# $tmp/work: the pristine crate with the patch applied and GENLAB-PATCHES.md copied over.
# Sets applied=no, after listing what did not apply, when the patch does not apply cleanly;
# every change that did not apply is then in a *.rej file beside its file.
apply_patch() {
  [ -f "$patch_file" ] || die "no $patch_file"
  cp -R "$tmp/pristine" "$tmp/work"
  # patch skips, without a .rej, a file the new version no longer has: save its section whole.
  local missing="" f
  for f in $(sed -n 's|^--- a/||p' "$patch_file"); do
    if [ ! -f "$tmp/work/$f" ]; then
      missing="$missing $f"
      mkdir -p "$(dirname "$tmp/work/$f")"
      awk -v f="$f" '/^diff --git /{on = ($3 == "a/" f)} on' "$patch_file" >"$tmp/work/$f.rej"
    fi
  done
  local log="$tmp/patch.log" status=0
  # No fuzz: a hunk whose context changed upstream is rejected for a person to read rather than
  # applied at a guessed place; offsets (the same context, moved) are accepted and shown.
  # --force: never ask, never guess "reversed"; a new file that exists upstream is rejected.
  (cd "$tmp/work" && patch -p1 --force --fuzz=0 --no-backup-if-mismatch \
     --reject-format=unified -i "$root/$patch_file") </dev/null >"$log" 2>&1 || status=$?
  awk -v v="$version" '/^patching file /{f = $3} / \(offset /{print "  " f ": " $0}
    /would create the file/{sub(/,$/, "", $NF); print "  " $NF ": burn-flex " v " has it already"}' \
    "$log" >&2
  local rejects r
  rejects="$(cd "$tmp/work" && find . -name '*.rej' | sed 's|^\./||' | sort)"
  applied=yes
  if [ "$status" -ne 0 ] || [ -n "$rejects" ]; then
    applied=no
    echo "vendor-burn-flex: $patch_file does not apply to burn-flex $version:" >&2
    for f in $missing; do echo "  $f is no longer in burn-flex $version" >&2; done
    for r in $rejects; do
      echo "  rejected in ${r%.rej} (see ${r}):" >&2
      grep '^@@' "$tmp/work/$r" | sed 's/^/    /' >&2
    done
    if [ -z "$rejects" ]; then sed 's/^/    /' "$log" >&2; fi
  fi
  if [ -f "$vendor/GENLAB-PATCHES.md" ]; then cp "$vendor/GENLAB-PATCHES.md" "$tmp/work/"; fi
}

case "$mode" in
  check)
    [ -d "$vendor" ] || die "no $vendor"
    unpack_pristine
    apply_patch
    [ "$applied" = yes ] || die "check failed: the patch does not apply"
    if diff -r "$tmp/work" "$vendor" >"$tmp/check.diff" 2>&1; then
      changed="$(grep -c '^diff --git ' "$patch_file")"
      echo "vendor-burn-flex: $vendor is burn-flex $version as published plus $patch_file ($changed files) and GENLAB-PATCHES.md"
    else
      sed "s|$tmp/work|published+patch|g" "$tmp/check.diff" >&2
      die "check failed: $vendor differs from burn-flex $version plus $patch_file (above)"
    fi
    ;;

  diff)
    [ -d "$vendor" ] || die "no $vendor"
    leftovers="$(cd "$vendor" && find . -name '*.rej' -o -name '*.orig' | sed 's|^\./||')"
    [ -z "$leftovers" ] || die "resolve and delete these first:" $leftovers
    unpack_pristine
    # A throwaway git repository outside the checkout (and blind to the user's git settings),
    # so the patch carries git's headers: patch -p1 and git apply both create the new files.
    export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_CEILING_DIRECTORIES="$tmp"
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
    repo="$tmp/repo"
    git init -q "$repo"
    cp -R "$tmp/pristine/." "$repo/"
    git -C "$repo" add -A
    before="$(git -C "$repo" write-tree)"
    find "$repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -R "$vendor/." "$repo/"
    rm -f "$repo/GENLAB-PATCHES.md"
    git -C "$repo" add -A
    after="$(git -C "$repo" write-tree)"
    echo "genlab's changes to burn-flex $version as published on crates.io: vendor/burn-flex is"
    echo "that crate plus this patch (why: vendor/burn-flex/GENLAB-PATCHES.md). Apply from inside"
    echo "the unpacked crate with patch -p1 or git apply; written by"
    echo "scripts/vendor-burn-flex.sh --diff $version, applied by scripts/vendor-burn-flex.sh."
    echo
    git -C "$repo" diff --no-color --no-renames --stat=90 "$before" "$after"
    echo
    git -C "$repo" diff --no-color --no-renames --no-ext-diff "$before" "$after"
    ;;

  build|rejects)
    unpack_pristine
    apply_patch
    if [ "$applied" = no ] && [ "$mode" = build ]; then
      die "$vendor is unchanged. To resolve the hunks by hand, rebuild with" \
          "--with-rejects $version (GENLAB-PATCHES.md, \"Upgrading burn-flex\")."
    fi
    # Assembled beside the old folder (same file system), then swapped in by renames.
    staged="vendor/.burn-flex.new.$$"
    cp -R "$tmp/work" "$staged"
    if [ -d "$vendor" ]; then
      old="vendor/.burn-flex.old.$$"
      mv "$vendor" "$old"
      if ! mv "$staged" "$vendor"; then
        mv "$old" "$vendor"
        die "could not move the new folder into place; $vendor is unchanged"
      fi
      rm -rf "$old"
    else
      mv "$staged" "$vendor"
    fi
    staged=""
    if [ "$applied" = yes ]; then
      echo "vendor-burn-flex: $vendor is now burn-flex $version as published plus $patch_file"
    else
      echo "vendor-burn-flex: $vendor is now burn-flex $version plus the hunks that applied." \
           "Resolve each *.rej in it by hand, delete it, then run" \
           "scripts/vendor-burn-flex.sh --diff $version > $patch_file"
    fi
    ;;
esac
