@echo off
rem vipctl launcher for Windows: starts vipctl's JVM with the start-up-lean options of bin/vipctl's cold path and
rem passes the arguments and the JVM's exit code through unchanged. Extra JVM options: VIPCTL_JAVA_OPTS. Linux-only,
rem so not here: the resident agent's hand-over and the start-up cache (docs/windows.md#the-launcher).
rem Delayed expansion off whatever the registry says, so that a '!' in an argument stays a character; only the java
rem line below reads the arguments. The distribution ships this file with CRLF line ends, which cmd.exe needs.
setlocal EnableExtensions DisableDelayedExpansion
set "vipctl_home="
set "vipctl_java="
set "vipctl_java_home="

rem The installation: the directory above bin\.
for %%I in ("%~dp0..") do set "vipctl_home=%%~fI"
if not exist "%vipctl_home%\lib\" goto no_lib

rem Java: JAVA_HOME's, else the first java.exe on PATH, looked up by cmd.exe itself: no 'where' process, and never
rem the working directory, which cmd.exe searches first for a bare 'java'.
if defined JAVA_HOME goto java_from_java_home
for %%J in (java.exe) do set "vipctl_java=%%~$PATH:J"
if not defined vipctl_java goto no_java
for %%D in ("%vipctl_java%\..\..") do set "vipctl_java_home=%%~fD"
goto java_found
:java_from_java_home
rem A JAVA_HOME set with quotes around it is taken without them.
set "vipctl_java_home=%JAVA_HOME:"=%"
set "vipctl_java=%vipctl_java_home%\bin\java.exe"
if not exist "%vipctl_java%" goto no_java_in_java_home
:java_found

rem The runtime's version and architecture, from its 'release' file (no JVM start to ask it).
set "vipctl_version=unknown"
set "vipctl_arch="
set "vipctl_major=0"
if exist "%vipctl_java_home%\release" for /f "usebackq tokens=1,* delims==" %%A in ("%vipctl_java_home%\release") do (
  if "%%A"=="JAVA_VERSION" set "vipctl_version=%%~B"
  if "%%A"=="OS_ARCH" set "vipctl_arch=%%~B"
)
if not "%vipctl_version%"=="unknown" for /f "tokens=1 delims=.-+_" %%M in ("%vipctl_version%") do set /a "vipctl_major=%%M" >nul 2>&1
if %vipctl_major% GTR 0 if %vipctl_major% LSS 11 goto too_old

rem Java 17+ know the flag; 24+ warn on stderr without it when JNA loads its native library.
set "vipctl_native_access="
if %vipctl_major% GEQ 17 set "vipctl_native_access=--enable-native-access=ALL-UNNAMED"

rem JNA's native part for this runtime's architecture, unpacked at build time: JNA would otherwise copy it out of its
rem jar into a temporary file at every start. An empty path and nounpack=false leave JNA to do that.
set "vipctl_jna_dir="
if /i "%vipctl_arch%"=="x86_64" set "vipctl_jna_dir=win32-x86-64"
if /i "%vipctl_arch%"=="amd64" set "vipctl_jna_dir=win32-x86-64"
if /i "%vipctl_arch%"=="x86" set "vipctl_jna_dir=win32-x86"
if /i "%vipctl_arch%"=="aarch64" set "vipctl_jna_dir=win32-aarch64"
set "vipctl_jna_path="
set "vipctl_jna_nounpack=false"
if defined vipctl_jna_dir if exist "%vipctl_home%\lib\jna\%vipctl_jna_dir%\jnidispatch.dll" set "vipctl_jna_path=%vipctl_home%\lib\jna\%vipctl_jna_dir%"
if defined vipctl_jna_path set "vipctl_jna_nounpack=true"

rem The bounds of bin/vipctl's one-shot command (README: Memory). JVM warnings go to stderr, never into the JSON.
"%vipctl_java%" -XX:+UseSerialGC -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr "-Dvipctl.home=%vipctl_home%" "-Djna.boot.library.path=%vipctl_jna_path%" -Djna.nounpack=%vipctl_jna_nounpack% %vipctl_native_access% -XX:TieredStopAtLevel=1 -Xmx96m -Xss512k -XX:MaxMetaspaceSize=48m -XX:ReservedCodeCacheSize=16m %VIPCTL_JAVA_OPTS% -cp "%vipctl_home%\lib\*" dev.vipctl.agent.cli.Main %*
exit /b %ERRORLEVEL%

rem Each failure before the JVM exits 2, as bin/vipctl's do: nothing was changed.
:no_lib
>&2 echo vipctl: no lib\ directory in "%vipctl_home%": is this a vipctl distribution?
exit /b 2
:no_java
>&2 echo vipctl: no Java found: set JAVA_HOME to a JDK/JRE 11 or newer, or put java on PATH (e.g. install a JDK 17 or newer)
exit /b 2
:no_java_in_java_home
>&2 echo vipctl: JAVA_HOME is "%vipctl_java_home%", but "%vipctl_java%" does not exist; fix JAVA_HOME or unset it to use java from PATH
exit /b 2
:too_old
>&2 echo vipctl: "%vipctl_java%" is Java %vipctl_major%; vipctl needs Java 11 or newer (set JAVA_HOME)
exit /b 2
