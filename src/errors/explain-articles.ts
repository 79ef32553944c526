// The KB-style article for each error code, printed by `servicepack explain CODE` and docs/errors.md.
import type { ErrorCode } from './codes.js';

export interface ExplainArticle {
  symptoms: string;
  cause: string;
  resolution: string;
}

export const explainArticles: { readonly [C in ErrorCode]: ExplainArticle } = {
  USAGE: {
    symptoms: 'The command stops before doing anything and prints a usage message; exit code 2.',
    cause: 'An unknown command or option, a missing argument, or an option value of the wrong form.',
    resolution: 'Run `servicepack --help` or `servicepack <command> --help` and correct the command line.',
  },
  PACK_NOT_FOUND: {
    symptoms: 'install, inspect or a dry run stops at once naming the pack path.',
    cause: 'The path does not exist, is a directory, or cannot be read by this user.',
    resolution: 'Check the path and its permissions. Nothing in the target was changed.',
  },
  PACK_INVALID: {
    symptoms: 'The pack is refused before anything is read from its payload; the message names the offset or the field.',
    cause: 'The file is not a service pack, was truncated or extended in transfer, or declares sizes beyond the bounds in docs/format.md.',
    resolution: 'Download or copy the pack again and compare its size and SHA-256 with the publisher\'s. Nothing in the target was changed.',
  },
  PACK_UNSUPPORTED: {
    symptoms: 'The pack is refused with the format version or encoding it uses.',
    cause: 'The pack was made by a newer servicepack, with a format version or payload encoding this one does not read.',
    resolution: 'Upgrade servicepack, or ask the publisher for a pack in a format version this servicepack supports.',
  },
  PACK_CORRUPT: {
    symptoms: 'The install stops while verifying or staging, naming an entry and its expected and actual SHA-256.',
    cause: 'Payload bytes of the pack changed after it was built (disk or transfer damage, or tampering).',
    resolution: 'Get an intact copy of the pack. The target was not changed: staged files are discarded.',
  },
  PACK_UNSAFE_PATH: {
    symptoms: 'The pack is refused naming an entry and why its path is unsafe.',
    cause: 'The manifest names an absolute path, a `..` component, a NUL or backslash, a drive letter, servicepack\'s own `.servicepack` directory, or two paths of one tree (old or new) that collide under case folding. On a platform whose file system is NTFS (Windows), also a name Windows cannot hold: a device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension), a name ending with a dot or a space, one of `< > : " | ? *` or a control character, or two names equal ignoring case.',
    resolution: 'Do not install this pack; report it to its publisher. Nothing in the target was changed. For names Windows cannot hold, the publisher rebuilds the pack without them (`servicepack build` warns about them with NTFS_UNSAFE_NAME).',
  },
  PACK_UNSIGNED: {
    symptoms: 'install (or a dry run) is refused at once: the pack has no signature.',
    cause: 'The pack was built without `--sign`. Unsigned packs can come from anyone, so they are refused by default.',
    resolution: 'Ask the publisher for a signed pack and pass its public key with --trusted-key. To install an unsigned pack you built yourself, pass --allow-unsigned (reported as a warning and in the result).',
  },
  SIGNATURE_INVALID: {
    symptoms: 'The pack is refused before its payload is read; the message says why the signature does not check out.',
    cause: 'The signature section is not a minisign signature, or the manifest or the trusted comment changed after signing (damage or tampering).',
    resolution: 'Do not install this pack; get an intact copy from the publisher. Nothing in the target was changed.',
  },
  KEY_UNTRUSTED: {
    symptoms: 'The pack is refused naming the key id it is signed with and the key ids that are trusted.',
    cause: 'No key was given with --trusted-key and none is pinned for the target, or the pack is signed by a different key than the trusted ones.',
    resolution: 'Pass the publisher\'s public key with --trusted-key <name>.pub, or pin it with `servicepack trust --target <dir> --add <name>.pub`. A pack signed by an unknown key may be forged: check where it came from.',
  },
  PACK_EXPIRED: {
    symptoms: 'The pack is refused naming its expiry time and the current time.',
    cause: 'The publisher signed the pack with an expiry date (build --expires); it has passed, so the pack may have been withheld or replayed.',
    resolution: 'Get the current service pack from the publisher. Check the system clock if the date looks wrong.',
  },
  KEY_INVALID: {
    symptoms: 'keygen, build --sign, install --trusted-key or trust stops naming a key file.',
    cause: 'The file is missing or unreadable, is not in minisign format, is a secret key where a public key is expected (or the reverse), or uses an algorithm other than Ed25519.',
    resolution: 'Pass the `.pub` file to --trusted-key and trust, the `.key` file to --sign; `servicepack keygen` or `minisign -G` makes a pair.',
  },
  KEY_PASSPHRASE: {
    symptoms: 'build --sign stops saying the secret key is encrypted, or that the passphrase is wrong.',
    cause: 'The secret key file is scrypt-encrypted (the default of `minisign -G`), and SERVICEPACK_KEY_PASSPHRASE is unset or holds another passphrase.',
    resolution: 'Set SERVICEPACK_KEY_PASSPHRASE to the key\'s passphrase for the build, or use an unencrypted key (`servicepack keygen`, `minisign -G -W`) kept on protected storage.',
  },
  BUILD_INPUT: {
    symptoms: '`servicepack build` stops naming a path in one of the release trees.',
    cause: 'A release directory is missing, holds a file type a pack cannot carry (FIFO, socket, device node), or is identical to the other one (a pack without hooks that would change nothing).',
    resolution: 'Point build at two existing, different release trees that contain only directories, regular files and symlinks.',
  },
  TARGET_NOT_FOUND: {
    symptoms: 'The command stops at once naming the target.',
    cause: 'The --target path does not exist or is not a directory.',
    resolution: 'Pass the installation directory (the one the pack\'s paths are relative to) with --target.',
  },
  NOT_MANAGED: {
    symptoms: 'verify or recover reports that the target has no servicepack state.',
    cause: 'No service pack was ever installed into this directory by servicepack, so there is no record to compare with or recover.',
    resolution: 'Install a service pack first; `install` works on trees servicepack never saw, by checking every file the pack changes.',
  },
  PRODUCT_MISMATCH: {
    symptoms: 'The install is refused naming the installed product and the pack\'s product.',
    cause: 'The target\'s recorded product differs from the product the pack was built for.',
    resolution: 'Use the service pack for the installed product. Nothing was changed.',
  },
  VERSION_MISMATCH: {
    symptoms: 'The install is refused naming the installed version and the version the pack applies to.',
    cause: 'Service packs apply to exactly one base version; the target is at another (an earlier pack is missing, or this one is installed already).',
    resolution: 'Run `servicepack status` to see the installed version and history, then install the packs in order.',
  },
  DOWNGRADE: {
    symptoms: 'The install is refused naming the installed version and the version the pack would install.',
    cause: 'The pack\'s target version is older than or equal to its base version (compared as dpkg compares versions), so installing it would roll the product back; an attacker may be replaying an old signed pack.',
    resolution: 'Install the newest service pack instead. If rolling back is really intended, use `servicepack uninstall`, or pass --allow-downgrade.',
  },
  BASE_MISMATCH: {
    symptoms: 'install (or uninstall) is refused and lists every differing path with its expected and actual SHA-256.',
    cause: 'Files in the target are not the version the pack was built from: edited, replaced by hand (for example renamed to `.old` and copied over), or from another build. For uninstall: files changed after the service pack was installed.',
    resolution: 'Restore the listed files to the base version (reinstall the base, or undo the local edits) and run the command again. Nothing was changed.',
  },
  DELTA_BASE_MISMATCH: {
    symptoms: 'install stops while staging, naming one file with the SHA-256 it expected and the one it read; the target is unchanged.',
    cause: 'The pack stores that file as a delta against its old version. The preflight found the old version, but when staging read it again its content had changed: something is writing into the installation while the install runs.',
    resolution: 'Stop whatever modifies the installation (or wait for it to finish), check the file with `servicepack verify`, then run the install again. Nothing was changed.',
  },
  TARGET_CHANGED: {
    symptoms: 'install or uninstall fails naming a file and its expected and actual content; exit code 1. The target is unchanged.',
    cause: 'The file was written (or replaced) after the preflight read it and before the transaction set it aside: an application still running, or the pack\'s own pre hook writing its state as it stops the application. Setting it aside would have kept that write only in the backup copy.',
    resolution: 'Nothing was changed and the write is in the target. Stop whatever writes to the file (or make the pre hook leave the files the pack changes alone), look at the file, then run the command again: the preflight says whether it is still the version the pack applies to.',
  },
  TARGET_UNSAFE: {
    symptoms: 'install, uninstall or recover stops naming a path inside the target and why it is unsafe.',
    cause: 'A directory on the way to a path the transaction writes is a symlink, is not a directory, or is on another device. Writing through it could change files outside the target.',
    resolution: 'Find out who created the named path and why; replace the symlink by a real directory if it belongs there. Nothing outside the target was written; run `servicepack recover` if a transaction is left.',
  },
  STATE_UNSAFE: {
    symptoms: 'A command run as root stops before reading or changing anything, naming a directory under `.servicepack/`, its owner (uid) and its mode.',
    cause: 'Everything in `.servicepack/` steers what a root process removes and renames. A state directory that another user owns, or that group or others can write, lets that user point those operations elsewhere (for example by replacing `.servicepack` in an installation directory they own), so servicepack refuses it, as sudo and ssh refuse loosely protected files.',
    resolution: 'Check that nobody tampered with the named directory (compare the target with `servicepack verify` once it is safe). If it is genuine, give it to root and take away group and other write: `chown -R root: <target>/.servicepack && chmod -R go-w <target>/.servicepack`, then run the command again.',
  },
  LOCKED: {
    symptoms: 'The command is refused naming the process id that holds the target.',
    cause: 'Another install, uninstall or recover is running on the same target. A lock whose process is gone is taken over automatically, so this process is alive, or it runs in another pid namespace (details.namespace: a container sharing the target), where this process cannot tell whether it is alive.',
    resolution: 'Wait for the other command to finish, then run yours again. For a lock of another namespace: run the command in that namespace, or, only when sure no servicepack process works on the target, remove the lock file named in the message.',
  },
  NO_SPACE: {
    symptoms: 'The install is refused before staging, with the bytes needed and available.',
    cause: 'New files are staged in full on the target\'s file system before anything is swapped; there is not enough room.',
    resolution: 'Free the shown amount of space on the target file system. Old files are preserved with hard links and need no extra space.',
  },
  CROSS_DEVICE: {
    symptoms: 'The install is refused naming a directory of the target.',
    cause: 'That directory is on another file system than the target root; atomic renames cannot cross file systems.',
    resolution: 'Install with --target set to a directory on a single file system, or unmount what is mounted inside the target.',
  },
  IO_FAILED: {
    symptoms: 'The command fails naming a path, the operation and the errno (ENOSPC, EACCES, EROFS, EPERM, EIO, ...); exit code 1.',
    cause: 'The file system refused an operation during staging or commit.',
    resolution: 'Fix the cause named by the errno and run the command again. The transaction was rolled back: the target is the old version.',
  },
  FILE_IN_USE: {
    symptoms: 'install or uninstall stops naming a file of the target and the errno (EBUSY), after waiting a few seconds; exit code 1.',
    cause: 'On Windows a process that opened a file without delete sharing (a typical data or log file) blocks renaming it, and servicepack replaces a file by renaming it aside. servicepack retried with a growing delay before giving up. Loaded programs and DLLs do not cause this: they can be renamed aside while they run.',
    resolution: 'Close the program holding the file (`servicepack holders --target <dir>` names it where the system can tell), then run the command again. The transaction was rolled back before its point of no return: the target is the old version, unchanged.',
  },
  SYMLINK_UNSUPPORTED: {
    symptoms: 'install is refused listing the symbolic links the service pack would create; exit code 1.',
    cause: 'Creating a symbolic link on Windows needs a privilege (SeCreateSymbolicLinkPrivilege, or Developer Mode) that servicepack does not ask for, so it does not offer a transaction it could not finish.',
    resolution: 'Build the service pack from trees without symbolic links (ship the file itself), or install it on a system that supports them. Nothing was changed.',
  },
  BACKUP_PRUNED: {
    symptoms: 'uninstall stops naming the service pack it would remove and says its backup was given up; nothing is changed.',
    cause: 'A retention policy (`install --keep N` or `cleanup --prune N`) removed the set-aside files of older service packs to save space. The latest pack still installed is one of them: the old files uninstall would put back no longer exist.',
    resolution: 'Reinstall the version you want from its full release, or install a service pack that goes there. `servicepack status` and `servicepack history` show which packs were pruned and when. Keep more backups next time (`--keep`).',
  },
  NOTHING_TO_UNINSTALL: {
    symptoms: 'uninstall reports that no service pack is installed.',
    cause: 'The target\'s history of installed service packs is empty.',
    resolution: 'Nothing to do. `servicepack status` shows the installed version.',
  },
  BACKUP_DAMAGED: {
    symptoms: 'uninstall is refused listing set-aside files under .servicepack/backup/ that are missing or altered.',
    cause: 'The files servicepack set aside at install time were removed or changed, so the old version cannot be restored exactly.',
    resolution: 'Reinstall the base version from its original media. Nothing was changed.',
  },
  BACKUP_WRITTEN: {
    symptoms: 'uninstall is refused naming each file and the backup path under .servicepack/backup/ its writes went to; status and cleanup list the same files (warning BACKUP_WRITTEN).',
    cause: 'A process had the old file open when the install replaced it and kept writing to it afterwards. The install set the old file aside by keeping its inode, so those writes went to the set-aside copy, not to the installed file. The copy is no longer the old version.',
    resolution: 'Restart the process so it writes to the installed file. Keep what you need from the named backup file. To uninstall, put the old version (its sha256 is in details.writes[].expected) back at that backup path, or reinstall the base version instead.',
  },
  JOURNAL_CORRUPT: {
    symptoms: 'A command stops saying .servicepack/journal.json or state.json is unreadable.',
    cause: 'These files are only ever replaced atomically, so this means damage from outside servicepack.',
    resolution: 'Run `servicepack verify` against a known-good copy, restore .servicepack/ from a backup, or reinstall the product.',
  },
  RECOVERY_NEEDED: {
    symptoms: 'A command fails and says a transaction is left for recover; exit code 4.',
    cause: 'A transaction\'s journal is still pending: the transaction failed and rolling it back failed too (for example the disk became read-only or full, or a file was made immutable, during the roll-back), or an earlier `recover` could not finish it. The target may be a mix of the old and new versions until it is settled; every command that meets the pending journal (install, uninstall, recover, cleanup, verify; status shows it and exits 4) says so, and `details.txid` names it.',
    resolution: 'Fix the cause named in the message, then run `servicepack recover --target <dir>`: it finishes the roll-back (or the roll-forward, after the commit point) from the journal. The next install or uninstall on the target also does this first.',
  },
  DEMO_FAILED: {
    symptoms: '`servicepack demo` stops while setting up its scenario.',
    cause: 'The demo compiles small native libraries and a host program with the system C compiler; it is missing or failed.',
    resolution: 'Install a C compiler (`apt-get install gcc`) and run the demo again.',
  },
  HOOK_FAILED: {
    symptoms: 'install or uninstall stops before changing any file, naming the pre hook command, its exit status and the end of its output.',
    cause: 'The pack carries a pre hook (for example a command that stops the application) and that command could not be started, timed out after 5 minutes, or exited with a status other than 0.',
    resolution: 'Run the command shown by hand in the target directory and fix what it reports (a stopped service, a missing program, permissions); then install again. The target was not changed; the post hook was run to start the application again.',
  },
  HEALTH_FAILED: {
    symptoms: 'install exits with status 5 after the commit, saying the health checks failed and the service pack was rolled back; the message names the check that failed and why (an HTTP status, an exit status and output, a refused connection, a timeout) and the result of the checks run again against the previous version.',
    cause: 'The pack (or the install command) declares health checks. After the commit and the post hook the install is on trial: every check must keep passing for the trial window before the deadline. One did not (or the deadline passed first, for example because a check never answered), so the install was undone with the uninstall machinery: the hooks ran again with SERVICEPACK_TRIAL=failed, and the target is the previous version, file for file.',
    resolution: 'Read details.failed for what was checked and why it failed, and details.afterRollBack for whether the previous version passes the same checks (if it does not either, the checks or the environment are at fault, not the pack). Fix the application or the check, then install again. To install without the trial, pass --no-health (reported as a warning); to give a slow application more time, raise --health-delay, --health-window or --health-deadline.',
  },
  PATH_TOO_LONG: {
    symptoms: 'install (or a dry run) is refused before any change, naming the longest path, its length in bytes and the limit.',
    cause: 'A transaction reaches every changed file by its full path, including the copy it sets aside under `.servicepack/backup/<txid>/files/`. Joined to the --target path as given, one of them exceeds the system\'s path length limit (PATH_MAX, 4096 bytes on Linux), so a system call would fail with ENAMETOOLONG in the middle of the work.',
    resolution: 'Pass a shorter --target: the paths are joined to it as written, so `cd` into the parent directory and give a relative path (or `--target .` from inside it). Nothing was changed.',
  },
  JOURNAL_UNSUPPORTED: {
    symptoms: 'A command stops saying .servicepack/journal.json or state.json was written by a newer servicepack, naming its version and the version this one reads.',
    cause: 'A newer servicepack worked on this target (and, for a journal, was interrupted). This one cannot tell what that version\'s records mean, so it changes nothing.',
    resolution: 'Use the newer servicepack (the one that wrote the record) on this target: `servicepack recover --target <dir>` with it settles an interrupted transaction.',
  },
  INTERRUPTED: {
    symptoms: 'The command ends after SIGINT (Ctrl-C) or SIGTERM with this code; exit code 130 for SIGINT, 143 for SIGTERM.',
    cause: 'The command was asked to stop. A transaction that had not reached its point of no return was rolled back: the target is the old version. A signal that arrives after the point of no return does not stop the transaction: it is finished and reported as usual.',
    resolution: 'Run the command again when wanted. If a transaction was pending (for example after a second signal or SIGKILL), `servicepack recover --target <dir>` settles it.',
  },
  INTERNAL_ERROR: {
    symptoms: 'A command fails with an error it does not name a code for; exit code 70. The result names the underlying error (and errno, system call and path when it comes from the system).',
    cause: 'A defect in servicepack: a failure that should have been reported with one of the codes above was not.',
    resolution: 'Report it with the command line and the --json result. Run `servicepack status --target <dir>` and, if a transaction is pending, `servicepack recover --target <dir>`; `servicepack verify` compares the target with its recorded state.',
  },
  REPO_INVALID: {
    symptoms: '`repo init`, `publish` or `channel` stops naming the repository or key directory and the reason.',
    cause: '`repo init` was pointed at a directory that already holds a repository; or `publish`/`channel` at one without `metadata/root.json`; or the key directory lacks a role key, or holds keys the repository\'s root does not name; or a pack to publish is for another product than the channel.',
    resolution: 'Check `--repo` and `--keys` (docs/fleet.md, "Repository layout"). Nothing in the repository was changed: metadata is written whole or not at all.',
  },
  REPO_UNREACHABLE: {
    symptoms: '`sync` stops before changing anything, naming the URL and the network or HTTP error (connection refused, DNS failure, timeout, 404).',
    cause: 'The web server, bucket or `file://` directory is down, misnamed, behind a proxy that is not set in HTTPS_PROXY/HTTP_PROXY, or a metadata or pack file was not uploaded.',
    resolution: 'Check `--repo` and the proxy variables; fetch `<repo>/metadata/timestamp.json` with curl from the same machine. Upload the whole repository (metadata last). The target was not changed; run sync again.',
  },
  METADATA_EXPIRED: {
    symptoms: '`sync` stops naming the metadata role that expired (timestamp, snapshot, targets or root).',
    cause: 'Signed metadata carries an expiry so that a mirror or attacker cannot freeze a fleet on old versions. The repository was not re-signed in time, or this machine\'s clock is far ahead.',
    resolution: 'On the publishing side run `servicepack repo timestamp --repo <dir> --keys <keys>` (or `publish`/`channel`, which re-sign too) and upload `metadata/`. Check the machine\'s clock. The target was not changed.',
  },
  METADATA_ROLLBACK: {
    symptoms: '`sync` stops naming the role and the version it was served and the newer one it already trusts.',
    cause: 'The repository (or a mirror, cache or attacker in between) serves metadata older than what this target verified before: TUF never lets versions go back.',
    resolution: 'Find the stale copy (a CDN cache, an old mirror, a restored backup of the repository) and serve the current metadata. If the repository was deliberately rebuilt, re-sign it with versions above the old ones. The target was not changed.',
  },
  METADATA_INVALID: {
    symptoms: '`sync` stops naming the metadata file and why it was refused (bad signature, hash or length mismatch, malformed JSON).',
    cause: 'A metadata file was altered after signing, truncated in upload, signed with keys the trusted root does not name, or the `--root` file belongs to another repository.',
    resolution: 'Re-upload `metadata/` from the publishing machine; check that `--root` is the `root.json` that `repo init` wrote for this repository. The target was not changed.',
  },
  CHANNEL_NOT_FOUND: {
    symptoms: '`sync` stops naming the channel.',
    cause: 'No `servicepack channel <name> --version V` was run for this repository, or `--channel` is misspelt.',
    resolution: 'Create the channel on the publishing side and upload `metadata/`, or pass an existing `--channel`. The target was not changed.',
  },
  CHANNEL_HALTED: {
    symptoms: '`sync` stops (before downloading, or before the next link of a chain) naming the channel and its version.',
    cause: 'The publisher ran `servicepack channel <name> --halt` to stop a rollout.',
    resolution: 'Wait for the publisher to fix the release and run `servicepack channel <name> --resume` (or move the channel to another version). Links installed before the halt stay installed; nothing is half-done.',
  },
  NOT_IN_ROLLOUT: {
    symptoms: '`sync` reports that this machine is not yet in the rollout, with the channel\'s percentage and this machine\'s bucket.',
    cause: 'The channel admits only machines whose stable bucket (from /etc/machine-id, the product and the rollout) is below its `--percent`.',
    resolution: 'Nothing to do: a later sync admits the machine once the publisher raises the percentage. To force one machine in, pass a `--machine-id` whose bucket is below it. The target was not changed.',
  },
  NO_CHAIN: {
    symptoms: '`sync` stops naming the product, the installed version and the channel\'s version.',
    cause: 'The repository has no service packs leading from the installed version to the channel\'s version, or every such chain passes a pulled version or skips a required stop, or the target is not a release any published pack applies to.',
    resolution: 'Publish the missing pack(s) (`servicepack publish`), or point the channel at a reachable version. `servicepack status --target <dir>` shows the installed version. The target was not changed.',
  },
  DOWNLOAD_CORRUPT: {
    symptoms: '`sync` stops after a download naming the pack URL and the length or SHA-256 that did not match.',
    cause: 'The pack file on the server differs from the one the signed metadata lists (altered, truncated, or replaced without re-publishing), or a proxy altered it.',
    resolution: 'Re-upload the repository\'s `targets/` from the publishing machine. The damaged download was removed; the target was not changed.',
  },
};
