// An intake check thread that cannot start (as one whose profiles fail to load): the pool's ready() must reject.
throw new Error('the profiles could not be loaded');
