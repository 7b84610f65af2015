<?php
// The official image's settings: the server to log in to comes from PMA_HOST and PMA_PORT. The cookie
// secret is made once per container start (see the CMD), so logins survive between requests.
$cfg['blowfish_secret'] = trim(file_get_contents('/tmp/pma_blowfish_secret'));
$cfg['Servers'][1]['auth_type'] = 'cookie';
$cfg['Servers'][1]['host'] = getenv('PMA_HOST') ?: 'db';
$cfg['Servers'][1]['port'] = getenv('PMA_PORT') ?: '3306';
$cfg['Servers'][1]['AllowNoPassword'] = false;
$cfg['TempDir'] = '/tmp';
