from linkflow_console.cli import main

raise SystemExit(main())
