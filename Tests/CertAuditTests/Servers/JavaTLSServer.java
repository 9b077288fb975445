// A TLS server on Java's own TLS stack (JSSE), for the endpoint tests: unlike OpenSSL's and GnuTLS's
// servers, JSSE still serves an ECDSA certificate whose KeyUsage lacks digitalSignature over TLS 1.2
// ECDHE-ECDSA (its key manager ranks such a key lower but uses it), as IIS, Java application servers
// and appliances do. Run with the source launcher (no javac needed):
//
//   java JavaTLSServer.java KEYSTORE.p12 PASSWORD PROTOCOL     (PROTOCOL: TLSv1.2 or TLSv1.3)
//
// Listens on 127.0.0.1 on a port the OS picks, prints "READY PORT", handshakes every connection in a
// thread of its own and closes it; runs until killed.
import java.io.FileInputStream;
import java.net.InetAddress;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

public class JavaTLSServer {
    public static void main(String[] args) throws Exception {
        char[] password = args[1].toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(args[0])) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
            .createServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        server.setEnabledProtocols(new String[] {args[2]});
        System.out.println("READY " + server.getLocalPort());
        System.out.flush();
        while (true) {
            SSLSocket client = (SSLSocket) server.accept();
            new Thread(() -> {
                try (SSLSocket socket = client) {
                    socket.setSoTimeout(5000);
                    socket.startHandshake();
                } catch (Exception ignored) {
                    // A client that stops the handshake (on the certificate) is what the test expects.
                }
            }).start();
        }
    }
}
