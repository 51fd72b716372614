from vcc.cli import main

raise SystemExit(main())
