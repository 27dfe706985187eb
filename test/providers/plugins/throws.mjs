throw new Error('the engine SDK is not installed');
