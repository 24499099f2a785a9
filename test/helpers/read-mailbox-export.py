# Reads a mailbox export with Python's own zipfile and mailbox modules, a reader independent
# of the code that wrote it, and prints it as JSON: per mbox file (each entry of a .zip, or
# the .mbox file itself) its messages, bytes as Latin-1 code points so that every byte
# survives JSON. A zip is checked entry by entry against its CRCs first.
#   python3 read-mailbox-export.py EXPORT.zip|EXPORT.mbox
import json
import mailbox
import os
import sys
import tempfile
import zipfile


def read_mbox(path):
    box = mailbox.mbox(path, create=False)
    try:
        return [{"fromLine": box.get_message(key).get_from(), "bytes": box.get_bytes(key).decode("latin-1")} for key in box.keys()]
    finally:
        box.close()


def main(path):
    if not path.endswith(".zip"):
        return {os.path.basename(path): {"messages": read_mbox(path)}}
    files = {}
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as directory:
        damaged = archive.testzip()
        if damaged is not None:
            raise SystemExit(f"CRC mismatch in {damaged}")
        for index, entry in enumerate(archive.infolist()):
            target = os.path.join(directory, f"{index}.mbox")
            with open(target, "wb") as out:
                out.write(archive.read(entry))
            files[entry.filename] = {
                "compression": entry.compress_type,
                "utf8Name": bool(entry.flag_bits & 0x800),
                "messages": read_mbox(target),
            }
    return files


json.dump(main(sys.argv[1]), sys.stdout)
