#!/bin/sh
# How Staffroom is installed for production: a virtual environment at $1 holding the
# package, every dependency pinned by constraints.txt. The Dockerfile runs exactly this,
# and so does CI (.ci/run), so a broken install fails CI before it fails an image build.
# Run from the source folder:  sh deploy/install.sh /opt/staffroom
set -eu
target="${1:?usage: sh deploy/install.sh TARGET_VENV}"
python3 -m venv "$target"
"$target/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet \
    --constraint constraints.txt .
"$target/bin/staffroom" --version
