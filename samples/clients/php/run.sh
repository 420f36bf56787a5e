#!/usr/bin/env bash
# Runs client.php with Debian's php-cli and php-curl (installed by scripts/test.sh) against the
# service's JSON routes at RECOMMENDER_HTTP (default http://localhost:8080).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
php -d error_reporting=E_ALL -d display_errors=stderr "$here/client.php"
