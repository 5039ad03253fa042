"""Stand-in for the get-pip script ansible-test downloads to bootstrap pip in its sanity venvs.

The download host is out of reach on machines that only see package registries. This script
bootstraps pip from the interpreter's own ensurepip, then installs what ansible-test asked for
through the machine's normal pip configuration.
"""

import os
import subprocess
import sys

# ensurepip must run in a child process: run in-process it points PIP_CONFIG_FILE at /dev/null,
# which hides the machine's pip configuration (index, certificates) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
env = {key: value for key, value in os.environ.items() if key != "GET_PIP"}
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=env)
